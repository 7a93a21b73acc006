# Login protocol decoding (kernel/identity/login_protocol.cpp): the server's
# view of every client message, and the client's view of server answers.
parley_fuzz_target(login_messages SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/login_messages_fuzz.cpp
                   LIBS parley_kernel)
