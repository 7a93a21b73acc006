# End-to-end handshake cost (handshake_bench.cpp; tests/bench/CMakeLists.txt
# includes every *.cmake here): ms per whole handshake between two in-process
# peers, split per side, against the X25519/Ed25519 floor measured in the same
# run, and the cost of a rekey. By hand: bin/handshake_bench [--handshakes N] [--runs R].
add_executable(handshake_bench ${CMAKE_CURRENT_LIST_DIR}/handshake_bench.cpp)
target_link_libraries(handshake_bench PRIVATE parley_kernel parley_warnings)
add_test(NAME bench.handshake COMMAND handshake_bench)
set_tests_properties(bench.handshake PROPERTIES LABELS bench TIMEOUT 300)
