parley_fuzz_target(stun_parse SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/stun_parse_fuzz.cpp
                   LIBS stun_message)
# Seeds: RFC 5769's samples, requests (modern and RFC 3489), error responses.
# They sit beside the target, not in corpus/stun_parse/, until that folder is
# adopted; meanwhile the replay test points here.
if(NOT EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/stun_parse)
  add_test(NAME fuzz.replay.stun_parse
           COMMAND stun_parse_fuzz_replay ${CMAKE_CURRENT_SOURCE_DIR}/stun_parse_corpus)
  set_tests_properties(fuzz.replay.stun_parse PROPERTIES LABELS fuzz)
endif()
