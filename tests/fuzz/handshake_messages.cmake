# End-to-end handshake fuzz target (tests/fuzz/CMakeLists.txt includes every
# *.cmake here): arbitrary bytes to the handshake decoder and to handshakes in
# each state that reads a message, in a fixed, reproducible world.
#  - handshake_messages_fuzz_replay in every build; ctest replays
#    corpus/handshake_messages/ (fuzz.replay.handshake_messages);
#  - handshake_messages_fuzz with -DPARLEY_FUZZ=ON and clang (run-fuzzers.sh);
#  - handshake_messages_seeds DIR rewrites the seed corpus; ctest checks the
#    committed seeds still match this build (fuzz.handshake_messages.seeds),
#    so a wire or key-schedule change is noticed and the seeds regenerated.
parley_fuzz_target(handshake_messages
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/handshake_messages_fuzz.cpp LIBS parley_kernel)
add_executable(handshake_messages_seeds ${CMAKE_CURRENT_SOURCE_DIR}/handshake_messages_seeds.cpp)
target_link_libraries(handshake_messages_seeds PRIVATE parley_kernel parley_warnings)
add_test(NAME fuzz.handshake_messages.seeds
         COMMAND handshake_messages_seeds --check ${CMAKE_CURRENT_SOURCE_DIR}/corpus/handshake_messages)
set_tests_properties(fuzz.handshake_messages.seeds PROPERTIES LABELS fuzz)
