# Identity certificate parsing and verification (kernel/identity/certificate.cpp).
parley_fuzz_target(certificate_parse SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/certificate_parse_fuzz.cpp
                   LIBS parley_kernel)
