# Memory per attached client of a super node (overlay_scale_bench.cpp): a real
# SuperNode in a child process, M anonymous TLS clients attaching, against a
# bare TLS server in the same run. ctest runs --quick (100 and 500 clients);
# the full table (100, 1000, 5000) is `overlay_scale_bench`, run by hand.
add_executable(overlay_scale_bench ${CMAKE_CURRENT_LIST_DIR}/overlay_scale_bench.cpp)
target_link_libraries(overlay_scale_bench PRIVATE parley_kernel parley_warnings)
add_test(NAME bench.overlay_scale COMMAND overlay_scale_bench --quick)
set_tests_properties(bench.overlay_scale PROPERTIES LABELS bench TIMEOUT 300)
