# A unit test that loads plugins from the build tree (built_plugin.hpp beside
# this file), added only when those plugins are built (an optional dependency
# missing leaves them out): the plugins are built first and the test finds
# them through PARLEY_BUILT_PLUGIN_DIR.
#   parley_add_built_plugin_test(<name> PLUGINS <plugin targets...>
#                                SOURCES <files...> [LIBS <targets...>])
include_guard(GLOBAL)

function(parley_add_built_plugin_test name)
  cmake_parse_arguments(arg "" "" "PLUGINS;SOURCES;LIBS" ${ARGN})
  foreach(plugin ${arg_PLUGINS})
    if(NOT TARGET ${plugin})
      return()
    endif()
  endforeach()
  parley_add_unit_test(${name} SOURCES ${arg_SOURCES} LIBS ${arg_LIBS})
  target_compile_definitions(${name} PRIVATE PARLEY_BUILT_PLUGIN_DIR="${PARLEY_PLUGIN_OUTPUT_DIR}")
  add_dependencies(${name} ${arg_PLUGINS})
endfunction()
