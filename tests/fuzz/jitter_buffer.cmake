# Receive-path fuzz target (tests/fuzz/CMakeLists.txt includes every *.cmake
# here): arbitrary bytes as timed packets through parse_rtp, the jitter buffer
# and the G.711 and Opus plugins loaded through the kernel's loader.
# Seeds sit beside the target (jitter_buffer_corpus/) until corpus/jitter_buffer/
# is adopted; meanwhile the replay test points there.
# tests/fuzz/jitter_buffer_seeds.py regenerates them.
if(TARGET parley-codec-g711 AND TARGET parley-codec-opus)
  parley_fuzz_target(jitter_buffer SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/jitter_buffer_fuzz.cpp
                     LIBS parley_kernel)
  foreach(target jitter_buffer_fuzz_replay jitter_buffer_fuzz)
    if(TARGET ${target})
      target_compile_definitions(${target} PRIVATE
        PARLEY_FUZZ_G711_PLUGIN="$<TARGET_FILE:parley-codec-g711>"
        PARLEY_FUZZ_OPUS_PLUGIN="$<TARGET_FILE:parley-codec-opus>")
      add_dependencies(${target} parley-codec-g711 parley-codec-opus)
    endif()
  endforeach()
  if(NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/jitter_buffer)
    add_test(NAME fuzz.replay.jitter_buffer
             COMMAND jitter_buffer_fuzz_replay ${CMAKE_CURRENT_SOURCE_DIR}/jitter_buffer_corpus)
    set_tests_properties(fuzz.replay.jitter_buffer PROPERTIES LABELS fuzz)
  endif()
endif()
