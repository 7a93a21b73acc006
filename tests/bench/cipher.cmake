# Cipher benchmark (tests/bench/CMakeLists.txt includes every *.cmake here):
# protect+unprotect per packet through every cipher plugin of this build against
# raw OpenSSL EVP on the same bytes, printed as ns/packet with the ratio.
# `ctest -L bench` runs it; by hand: bin/cipher_bench [--packets N] [--payload B].
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)

add_executable(cipher_bench ${CMAKE_CURRENT_LIST_DIR}/cipher_bench.cpp)
target_link_libraries(cipher_bench PRIVATE parley_kernel OpenSSL::Crypto parley_warnings)

get_property(cipher_bench_plugins GLOBAL PROPERTY PARLEY_PLUGINS_cipher)
set(cipher_bench_paths)
foreach(plugin ${cipher_bench_plugins})
  list(APPEND cipher_bench_paths "$<TARGET_FILE:${plugin}>")
endforeach()
# '|' separates the paths: a ';' would split the compile definition.
string(JOIN "|" cipher_bench_paths ${cipher_bench_paths})
target_compile_definitions(cipher_bench PRIVATE PARLEY_CIPHER_BENCH_PLUGINS="${cipher_bench_paths}")
if(cipher_bench_plugins)
  add_dependencies(cipher_bench ${cipher_bench_plugins})
endif()

add_test(NAME bench.cipher COMMAND cipher_bench)
set_tests_properties(bench.cipher PROPERTIES LABELS bench TIMEOUT 300)
