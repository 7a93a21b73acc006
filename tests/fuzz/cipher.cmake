# Cipher unprotect fuzz target (tests/fuzz/CMakeLists.txt includes every *.cmake here):
#  - cipher_unprotect_fuzz_replay in every build; ctest replays corpus/cipher_unprotect/
#    (fuzz.replay.cipher_unprotect) and, with no arguments, its built-in seeds and
#    deterministic mutations of them (fuzz.cipher.self_test);
#  - cipher_unprotect_fuzz with -DPARLEY_FUZZ=ON and clang (tests/fuzz/run-fuzzers.sh).
# The cipher plugins are compiled in, each under its own static entry symbol
# (PARLEY_STATIC_PLUGIN_SYMBOL, as an enterprise static build does), so the fuzzer
# is coverage-guided through the plugins' own code and the SDK adapter.
# `cipher_unprotect_fuzz_replay --write-seeds DIR` regenerates the seed corpus.
set(cipher_fuzz_plugins ${PROJECT_SOURCE_DIR}/plugins/cipher)
foreach(name aesgcm chacha20 null)
  set_source_files_properties(${cipher_fuzz_plugins}/${name}/plugin.cpp PROPERTIES
                              COMPILE_DEFINITIONS PARLEY_STATIC_PLUGIN_SYMBOL=parley_fuzz_entry_${name})
endforeach()

parley_fuzz_target(cipher_unprotect
  SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/cipher_unprotect_fuzz.cpp
          ${cipher_fuzz_plugins}/aesgcm/plugin.cpp
          ${cipher_fuzz_plugins}/chacha20/plugin.cpp
          ${cipher_fuzz_plugins}/null/plugin.cpp
  LIBS parley_srtp_aead)
add_test(NAME fuzz.cipher.self_test COMMAND cipher_unprotect_fuzz_replay)
set_tests_properties(fuzz.cipher.self_test PROPERTIES LABELS fuzz)
