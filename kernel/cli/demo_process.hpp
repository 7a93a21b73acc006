// Child processes for `parley demo`: the login server, super nodes and
// clients run as real separate `parley` processes, each with its stdout and
// stderr on one pipe the demo reads line by line.
//
// Every wait has a deadline, and while waiting for one child the demo keeps
// draining every other child's pipe, so no child ever blocks on a full pipe.
// No orphans: each child asks the kernel to SIGKILL it when the demo dies
// (PR_SET_PDEATHSIG), and stop_all() (also run by the destructor) sends
// SIGTERM, waits for a grace period, then SIGKILLs and reaps what is left.
#pragma once

#include <sys/types.h>
#include <chrono>
#include <cstddef>
#include <deque>
#include <fstream>
#include <functional>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace parley::cli::demo {

using Clock = std::chrono::steady_clock;

struct ChildSpec {
  std::string name;               // in messages: "login server", "super node 1", "alice"
  std::vector<std::string> argv;  // argv[0] is the program's path
  std::vector<std::string> env;   // NAME=VALUE, set over the demo's own environment
  std::string log_file;           // every line is also appended here ("": nowhere)
};

// A wait that did not succeed: the child exited, the deadline passed, or the
// demo was interrupted. what() is one line; tail() is the child's last output.
class ChildFailure : public std::runtime_error {
 public:
  ChildFailure(const std::string& what, std::string tail)
      : std::runtime_error(what), tail_(std::move(tail)) {}
  [[nodiscard]] const std::string& tail() const { return tail_; }

 private:
  std::string tail_;
};

class Children {
 public:
  // Lines longer than this are cut; a child keeps at most this many lines.
  static constexpr std::size_t kMaxLineBytes = 4096;
  static constexpr std::size_t kMaxLines = 5000;

  Children();
  ~Children();  // stop_all(1 s)
  Children(const Children&) = delete;
  Children& operator=(const Children&) = delete;

  // Starts a child; throws std::system_error when it cannot be started.
  std::size_t start(ChildSpec spec);

  // Sees every line of every child as it is read (for progress output).
  using LineObserver = std::function<void(std::size_t child, const std::string& line)>;
  void on_line(LineObserver observer) { observer_ = std::move(observer); }

  // The first line of child's output, at index >= from, matching pattern.
  // Throws ChildFailure when the child exits first, at the deadline, or on
  // SIGINT/SIGTERM to the demo.
  std::smatch wait_for_line(std::size_t child, const std::regex& pattern,
                            Clock::time_point deadline, std::size_t from = 0);
  // The child's exit status (the shell's convention: 128 + signal when killed).
  // Throws ChildFailure at the deadline.
  int wait_exit(std::size_t child, Clock::time_point deadline);

  // SIGTERM, wait up to grace, SIGKILL; returns the exit status.
  int stop(std::size_t child, std::chrono::milliseconds grace);
  // The same for every running child at once.
  void stop_all(std::chrono::milliseconds grace);

  [[nodiscard]] const std::string& name(std::size_t child) const;
  // The last n lines, each indented, for error messages.
  [[nodiscard]] std::string tail(std::size_t child, std::size_t n = 15) const;

 private:
  struct Child;
  // Reads whatever is ready on any pipe (at most until deadline) and reaps
  // exited children. Returns at once after the first batch of input.
  void pump(Clock::time_point deadline);
  void reap();
  std::vector<Child> children_;
  LineObserver observer_;
};

}  // namespace parley::cli::demo
