// Crash safety, for real: a child process appends messages and acknowledges
// each one over a pipe once message_append has returned; the parent kills it
// with SIGKILL mid-burst. Every acknowledged message must be in the file.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <set>

#include "sqlite_store.hpp"
#include "sqlite_test_support.hpp"

namespace parley::sqlite_storage::test {
namespace {

constexpr int kAcksBeforeKill = 150;
constexpr auto kDeadline = std::chrono::seconds(60);

[[noreturn]] void append_forever(const std::string& path, int ack_fd, int first_id) {
  try {
    SqliteStore store(path);
    for (int id = first_id;; ++id) {
      const auto text = "msg-" + std::to_string(id);
      store.message_append({text, "alice", PARLEY_MESSAGE_RECEIVED, id, text});
      if (::write(ack_fd, &id, sizeof id) != sizeof id) ::_exit(3);
    }
  } catch (...) {
    ::_exit(2);
  }
}

// Reads acknowledged ids until the pipe closes; kills the writer after
// kAcksBeforeKill of them. Returns every id acknowledged.
std::set<int> acknowledged_until_killed(pid_t child, int ack_fd) {
  std::set<int> acked;
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  bool killed = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(child, SIGKILL);
      ADD_FAILURE() << "writer too slow: " << acked.size() << " acks before the deadline";
      break;
    }
    pollfd ready{ack_fd, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) continue;
    int id = 0;
    const auto got = ::read(ack_fd, &id, sizeof id);
    if (got == 0) break;  // the writer is gone and everything it sent was read
    if (got != sizeof id) {
      ADD_FAILURE() << "torn acknowledgement";
      break;
    }
    acked.insert(id);
    if (!killed && static_cast<int>(acked.size()) >= kAcksBeforeKill) {
      ::kill(child, SIGKILL);  // mid-burst: the next append is in flight
      killed = true;
    }
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "writer exited early";
  return acked;
}

std::set<int> stored_ids(SqliteStore& store) {
  std::set<int> ids;
  store.message_history({"alice", INT64_MIN, 0}, [&](const sdk::Message& m) {
    ids.insert(static_cast<int>(m.sent_unix_ms));
    EXPECT_EQ(m.body, "msg-" + std::to_string(m.sent_unix_ms));
    return sdk::Visit::next;
  });
  return ids;
}

TEST(sqlite_crash, EveryAcknowledgedMessageSurvivesKillNine) {
  TempDir dir;
  const auto path = dir.file("crash.db");
  int next_id = 0;
  // Three kills at three different instants, each one on the file the last one left.
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      append_forever(path, fds[1], next_id);
    }
    ::close(fds[1]);
    const auto acked = acknowledged_until_killed(child, fds[0]);
    ::close(fds[0]);
    ASSERT_GE(static_cast<int>(acked.size()), kAcksBeforeKill);

    SqliteStore reopened(path);
    const auto stored = stored_ids(reopened);
    for (int id : acked)
      EXPECT_TRUE(stored.count(id) == 1) << "acknowledged message " << id << " lost";
    // At most the one append in flight may be there without its acknowledgement.
    EXPECT_LE(stored.size(), acked.size() + static_cast<std::size_t>(next_id) + 1);
    next_id = *stored.rbegin() + 1;
    RawDb raw(path);
    EXPECT_EQ(raw.text("PRAGMA integrity_check"), "ok");
  }
}

}  // namespace
}  // namespace parley::sqlite_storage::test
