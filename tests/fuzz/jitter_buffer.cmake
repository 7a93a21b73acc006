# Receive-path fuzz target (tests/fuzz/CMakeLists.txt includes every *.cmake
# here): arbitrary bytes as timed packets through parse_rtp, the jitter buffer
# and the G.711 and Opus plugins behind the kernel's CodecPlugin. The plugins
# are compiled in, each under its own static entry symbol (as an enterprise
# static build does): libFuzzer then instruments their code, and clang's static
# sanitizer runtime, which a separately linked plugin .so cannot reach, serves them.
# Seeds: corpus/jitter_buffer/, written by jitter_buffer_seeds.py.
if(TARGET g711_logic AND TARGET opus_logic)
  set(jitter_fuzz_codecs ${PROJECT_SOURCE_DIR}/plugins/codec)
  set_source_files_properties(${jitter_fuzz_codecs}/g711/plugin.cpp PROPERTIES
                              COMPILE_DEFINITIONS PARLEY_STATIC_PLUGIN_SYMBOL=parley_fuzz_entry_g711)
  set_source_files_properties(${jitter_fuzz_codecs}/opus/plugin.cpp PROPERTIES
                              COMPILE_DEFINITIONS PARLEY_STATIC_PLUGIN_SYMBOL=parley_fuzz_entry_opus)
  parley_fuzz_target(jitter_buffer
    SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/jitter_buffer_fuzz.cpp
            ${jitter_fuzz_codecs}/g711/plugin.cpp
            ${jitter_fuzz_codecs}/opus/plugin.cpp
    LIBS parley_kernel g711_logic opus_logic)
endif()
