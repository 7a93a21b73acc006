# Seeds in corpus/stun_parse/: RFC 5769's samples, requests (modern and RFC 3489), error responses.
parley_fuzz_target(stun_parse SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/stun_parse_fuzz.cpp
                   LIBS stun_message)
