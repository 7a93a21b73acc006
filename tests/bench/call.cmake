# Call benchmark (call_bench.py): five calls between real `parley client`
# processes on 127.0.0.1; call setup, mouth-to-ear delay added by Parley and
# bytes on the wire per direction, against a plain UDP round trip (udp_rtt)
# measured in the same run and the seed's 5 KB/s. Figures, not pass/fail.
add_executable(udp_rtt ${CMAKE_CURRENT_LIST_DIR}/udp_rtt.cpp)
target_link_libraries(udp_rtt PRIVATE parley_warnings Threads::Threads)
add_test(NAME bench.call
         COMMAND python3 ${CMAKE_CURRENT_LIST_DIR}/call_bench.py $<TARGET_FILE:parley>
                 $<TARGET_FILE:wav_correlate> $<TARGET_FILE:udp_rtt>
                 ${PROJECT_SOURCE_DIR}/share/samples/speech-en-16k.wav
                 ${CMAKE_CURRENT_BINARY_DIR}/call-bench-work)
set_tests_properties(bench.call PROPERTIES LABELS bench TIMEOUT 300)
