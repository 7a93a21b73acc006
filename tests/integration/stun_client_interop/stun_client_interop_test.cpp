// Debian's STUN client (package stun-client, Vovida's `stun` 0.97, an RFC 3489
// client) against parley::stun's server side on 127.0.0.1. It is an
// independent implementation of the classic protocol, so this checks both the
// wire format and the backwards-compatibility path super nodes rely on.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "parley/sdk/address.hpp"
#include "stun_responder.hpp"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

struct Finished {
  int exit_code = -1;  // -1: killed at the deadline
  std::string output;  // stdout and stderr together
};

// Runs program with args, collecting its output, killing it at the deadline.
Finished run(const std::vector<std::string>& args, std::chrono::seconds limit) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
  std::vector<char*> argv;
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (spawned != 0) {
    ::close(out[0]);
    throw std::runtime_error("cannot start " + args[0]);
  }
  Finished finished;
  const auto deadline = Clock::now() + limit;
  std::array<char, 4096> chunk{};
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd entry{out[0], POLLIN, 0};
    if (left.count() <= 0 || ::poll(&entry, 1, static_cast<int>(left.count())) == 0) {
      ::kill(pid, SIGKILL);  // the client waits forever for an answer that never comes
      break;
    }
    const auto got = ::read(out[0], chunk.data(), chunk.size());
    if (got <= 0) break;  // EOF: the client exited
    finished.output.append(chunk.data(), static_cast<std::size_t>(got));
  }
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) finished.exit_code = WEXITSTATUS(status);
  return finished;
}

class StunClientInterop : public testing::Test {
 protected:
  void SetUp() override {
    if (::access(PARLEY_STUN_CLIENT, X_OK) != 0) GTEST_SKIP() << "no " << PARLEY_STUN_CLIENT;
  }
  parley::test::StunResponder responder{parley::sdk::ipv4_loopback()};
  const std::string server = parley::sdk::to_string(responder.address());
};

// `stun SERVER 1 -v` sends one Binding request (RFC 3489 test I) and prints
// the MAPPED-ADDRESS it got back.
TEST_F(StunClientInterop, BindingTestNamesTheClientsOwnAddress) {
  const auto finished = run({PARLEY_STUN_CLIENT, server, "1", "-v"}, std::chrono::seconds(20));
  SCOPED_TRACE(finished.output);
  ASSERT_EQ(finished.exit_code, 0);
  EXPECT_NE(finished.output.find("Return value is 0x000000"), std::string::npos);
  const auto sources = responder.sources();
  ASSERT_EQ(sources.size(), 1u);
  EXPECT_EQ(responder.answers(), 1);
  // On loopback there is no NAT: the mapped address is where the request came from.
  const std::string label = "mappedAddr=";
  const auto at = finished.output.find(label);
  ASSERT_NE(at, std::string::npos) << "no mapped address printed";
  const auto start = at + label.size();
  const auto printed =
      finished.output.substr(start, finished.output.find_first_of(" \t\r\n", start) - start);
  EXPECT_EQ(printed, parley::sdk::to_string(sources.front()));
}

// `stun SERVER` runs the RFC 3489 NAT classification. This server has one
// address, so it refuses the change requests of tests II and III with 420;
// 0.97 counts any answer as a reply, binds the mapped 127.0.0.1 (so: no NAT),
// and reports "Open". Its documented return value (client.cxx) is the type
// (Open = 0x00) | 0x01 when ports are preserved | 0x10 when it cannot hairpin;
// on loopback ports are preserved and hairpinning works: 0x01, also the exit code.
TEST_F(StunClientInterop, NatClassificationOnLoopbackIsOpen) {
  const auto finished = run({PARLEY_STUN_CLIENT, server}, std::chrono::seconds(30));
  SCOPED_TRACE(finished.output);
  EXPECT_NE(finished.output.find("STUN client version 0.97"), std::string::npos)
      << "the expectations below are those of version 0.97";
  EXPECT_NE(finished.output.find("Primary: Open"), std::string::npos);
  EXPECT_NE(finished.output.find("Return value is 0x000001"), std::string::npos);
  EXPECT_EQ(finished.exit_code, 1);
  EXPECT_GE(responder.answers(), 3) << "tests I, II and III each got an answer";
}

}  // namespace
