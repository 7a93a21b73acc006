parley_fuzz_target(plugin_inspect SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/plugin_inspect_fuzz.cpp LIBS parley_kernel)
