# Media pipeline benchmark (tests/bench/CMakeLists.txt includes every *.cmake
# here): CPU per call-second of send path + jitter buffer + receive path with
# the Opus plugin, against raw libopus encode+decode of the same audio in the
# same run, and the concurrent streams one core sustains.
# `ctest -L bench` runs it; by hand: bin/media_bench [--json] [--seconds N].
if(TARGET parley-codec-opus AND TARGET parley-audio-wav)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(MEDIA_BENCH_OPUS REQUIRED IMPORTED_TARGET opus)
  add_executable(media_bench ${CMAKE_CURRENT_LIST_DIR}/media_bench.cpp)
  target_link_libraries(media_bench PRIVATE parley_kernel PkgConfig::MEDIA_BENCH_OPUS parley_warnings)
  target_compile_definitions(media_bench PRIVATE
    PARLEY_MEDIA_BENCH_OPUS_PLUGIN="$<TARGET_FILE:parley-codec-opus>"
    PARLEY_MEDIA_BENCH_WAV_PLUGIN="$<TARGET_FILE:parley-audio-wav>"
    PARLEY_MEDIA_BENCH_SAMPLE="${PROJECT_SOURCE_DIR}/share/samples/speech-en-16k.wav")
  add_dependencies(media_bench parley-codec-opus parley-audio-wav)
  add_test(NAME bench.media COMMAND media_bench)
  set_tests_properties(bench.media PROPERTIES LABELS bench TIMEOUT 300)
endif()
