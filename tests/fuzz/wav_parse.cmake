parley_fuzz_target(wav_parse SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/wav_parse_fuzz.cpp LIBS parley_wav_file)
