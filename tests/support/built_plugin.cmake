# For a test that loads plugins from the build tree (built_plugin.hpp beside
# this file): where they are, as PARLEY_BUILT_PLUGIN_DIR, and those plugins
# built before the test is.
#   parley_test_loads_built_plugins(<test target> <plugin targets...>)
include_guard(GLOBAL)

function(parley_test_loads_built_plugins test)
  target_compile_definitions(${test} PRIVATE PARLEY_BUILT_PLUGIN_DIR="${PARLEY_PLUGIN_OUTPUT_DIR}")
  add_dependencies(${test} ${ARGN})
endfunction()
