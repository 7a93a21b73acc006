# Directory user search at scale (directory_bench.cpp). ctest runs --quick;
# the full table (up to 200 nodes, 10000 records, about 3 min on 2 cores) is
# `directory_bench --full`, run by hand.
if(TARGET parley-directory-opendht)
  add_executable(directory_bench ${CMAKE_CURRENT_LIST_DIR}/directory_bench.cpp)
  target_link_libraries(directory_bench PRIVATE parley_kernel parley_warnings parley_test_support)
  target_compile_definitions(directory_bench PRIVATE
    PARLEY_BUILT_PLUGIN_DIR="${PARLEY_PLUGIN_OUTPUT_DIR}")
  add_dependencies(directory_bench parley-directory-opendht)
  add_test(NAME bench.directory COMMAND directory_bench --quick)
  set_tests_properties(bench.directory PROPERTIES LABELS bench TIMEOUT 300)
endif()
