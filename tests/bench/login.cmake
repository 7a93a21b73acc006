# Login server benchmark (tests/bench/CMakeLists.txt includes every *.cmake):
# a real `parley login-server` process pinned to one CPU, N concurrent clients
# logging in over real TLS from the other CPUs; prints logins per second and
# the server's CPU per login split into Argon2 and the rest.
# `ctest -L bench` runs it; by hand: bin/login_bench [--clients 1,4,16] [--seconds 5].
add_executable(login_bench ${CMAKE_CURRENT_LIST_DIR}/login_bench.cpp)
target_link_libraries(login_bench PRIVATE parley_kernel parley_warnings)
add_dependencies(login_bench parley)
add_test(NAME bench.login COMMAND login_bench --parley $<TARGET_FILE:parley>)
set_tests_properties(bench.login PROPERTIES LABELS bench TIMEOUT 600)
