# Call signaling fuzz target (tests/fuzz/CMakeLists.txt includes every *.cmake
# here): arbitrary bytes as a signed call message from alice to bob, verified
# in a fixed, reproducible world.
#  - call_signal_fuzz_replay in every build; ctest replays corpus/call_signal/
#    (fuzz.replay.call_signal);
#  - call_signal_fuzz with -DPARLEY_FUZZ=ON and clang (run-fuzzers.sh);
#  - call_signal_seeds DIR rewrites the seed corpus; ctest checks the committed
#    seeds still match this build (fuzz.call_signal.seeds).
parley_fuzz_target(call_signal
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/call_signal_fuzz.cpp LIBS parley_kernel)
add_executable(call_signal_seeds ${CMAKE_CURRENT_SOURCE_DIR}/call_signal_seeds.cpp)
target_link_libraries(call_signal_seeds PRIVATE parley_kernel parley_warnings)
add_test(NAME fuzz.call_signal.seeds
         COMMAND call_signal_seeds --check ${CMAKE_CURRENT_SOURCE_DIR}/corpus/call_signal)
set_tests_properties(fuzz.call_signal.seeds PROPERTIES LABELS fuzz)
