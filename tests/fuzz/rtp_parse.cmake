parley_fuzz_target(rtp_parse SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/rtp_parse_fuzz.cpp LIBS parley_kernel)
