#include "cli/demo_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>
#include <system_error>
#include <utility>

extern char** environ;

namespace parley::cli::demo {
namespace {

volatile std::sig_atomic_t interrupted = 0;

void on_signal(int /*signal*/) {
  interrupted = 1;
}

// poll() returns early with EINTR (no SA_RESTART), so a Ctrl-C ends the
// current wait and the destructors stop the children.
struct SignalGuard {
  struct sigaction old_int {};
  struct sigaction old_term {};
  SignalGuard() {
    struct sigaction action {};
    action.sa_handler = &on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int);
    sigaction(SIGTERM, &action, &old_term);
  }
  ~SignalGuard() {
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGTERM, &old_term, nullptr);
  }
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;
};

int status_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Everything the child needs, made before fork(): after it, only
// async-signal-safe calls are allowed (the demo may have threads).
struct ExecImage {
  std::vector<std::string> strings;
  std::vector<char*> argv;
  std::vector<char*> envp;

  explicit ExecImage(const ChildSpec& spec) {
    std::vector<std::string> env;
    for (char** entry = environ; *entry != nullptr; ++entry) {
      const std::string text(*entry);
      const auto name = text.substr(0, text.find('=') + 1);
      const bool overridden = std::any_of(spec.env.begin(), spec.env.end(), [&](const auto& e) {
        return e.compare(0, name.size(), name) == 0;
      });
      if (!overridden) env.push_back(text);
    }
    env.insert(env.end(), spec.env.begin(), spec.env.end());
    strings = spec.argv;
    strings.insert(strings.end(), env.begin(), env.end());
    for (std::size_t i = 0; i < strings.size(); ++i) {
      (i < spec.argv.size() ? argv : envp).push_back(strings[i].data());
    }
    argv.push_back(nullptr);
    envp.push_back(nullptr);
  }
};

[[noreturn]] void exec_child(const ExecImage& image, int output_fd, pid_t parent) {
  // The kernel kills us when the demo dies, even by SIGKILL; if it already
  // died between fork() and here, the request came too late: leave now.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(127);
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd < 0 || ::dup2(null_fd, STDIN_FILENO) < 0 || ::dup2(output_fd, STDOUT_FILENO) < 0 ||
      ::dup2(output_fd, STDERR_FILENO) < 0) {
    ::_exit(127);
  }
  // The demo's handlers are reset by exec; a blocked mask would not be.
  sigset_t none;
  sigemptyset(&none);
  ::pthread_sigmask(SIG_SETMASK, &none, nullptr);
  ::execve(image.argv[0], image.argv.data(), image.envp.data());
  static constexpr char kMessage[] = "demo: cannot execute the program\n";
  [[maybe_unused]] auto written = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  ::_exit(127);
}

}  // namespace

struct Children::Child {
  ChildSpec spec;
  pid_t pid = -1;
  int fd = -1;  // read end of the output pipe; -1 after EOF
  std::optional<int> exit_status;
  std::string partial;
  std::deque<std::string> lines;
  std::size_t dropped = 0;  // lines forgotten at the front (kMaxLines)
  std::unique_ptr<std::ofstream> log;

  void add_line(std::string line) {
    if (line.size() > kMaxLineBytes) line.resize(kMaxLineBytes);
    if (log) *log << line << '\n' << std::flush;
    lines.push_back(std::move(line));
    if (lines.size() > kMaxLines) {
      lines.pop_front();
      ++dropped;
    }
  }
  void take(const char* data, std::size_t size) {
    partial.append(data, size);
    std::size_t start = 0;
    for (auto end = partial.find('\n'); end != std::string::npos; end = partial.find('\n', start)) {
      add_line(partial.substr(start, end - start));
      start = end + 1;
    }
    partial.erase(0, start);
    // A line without an end that outgrows the limit is cut into pieces.
    while (partial.size() > kMaxLineBytes) {
      add_line(partial.substr(0, kMaxLineBytes));
      partial.erase(0, kMaxLineBytes);
    }
  }
  void close_output() {
    if (fd >= 0) ::close(fd);
    fd = -1;
    if (!partial.empty()) add_line(std::exchange(partial, {}));
  }
};

namespace {
// The demo has one Children at a time; its handlers live as long as it does.
SignalGuard* signal_guard = nullptr;
}  // namespace

Children::Children() {
  interrupted = 0;
  if (signal_guard == nullptr) signal_guard = new SignalGuard;
}

Children::~Children() {
  try {
    stop_all(std::chrono::seconds(1));
  } catch (const std::exception&) {
    // poll() itself failed: no grace period then, but still no orphans.
    for (auto& child : children_) {
      if (child.exit_status) continue;
      ::kill(child.pid, SIGKILL);
      ::waitpid(child.pid, nullptr, 0);
    }
  }
  for (auto& child : children_) child.close_output();
  delete signal_guard;
  signal_guard = nullptr;
}

std::size_t Children::start(ChildSpec spec) {
  const ExecImage image(spec);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    throw std::system_error(error, std::generic_category(), "fork");
  }
  if (pid == 0) exec_child(image, fds[1], parent);
  ::close(fds[1]);
  Child child;
  if (!spec.log_file.empty()) child.log = std::make_unique<std::ofstream>(spec.log_file);
  child.spec = std::move(spec);
  child.pid = pid;
  child.fd = fds[0];
  children_.push_back(std::move(child));
  return children_.size() - 1;
}

void Children::reap() {
  for (auto& child : children_) {
    if (child.exit_status) continue;
    int status = 0;
    if (::waitpid(child.pid, &status, WNOHANG) == child.pid)
      child.exit_status = status_code(status);
  }
}

void Children::pump(Clock::time_point deadline) {
  reap();
  std::vector<pollfd> fds;
  std::vector<Child*> owners;
  bool unreaped_without_pipe = false;
  for (auto& child : children_) {
    if (child.fd >= 0) {
      fds.push_back({child.fd, POLLIN, 0});
      owners.push_back(&child);
    } else if (!child.exit_status) {
      unreaped_without_pipe = true;
    }
  }
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  // Exits are noticed by polling waitpid: no SIGCHLD handler to race with.
  if (unreaped_without_pipe || fds.empty()) wait = std::min(wait, std::chrono::milliseconds(20));
  const int ready =
      ::poll(fds.data(), fds.size(), static_cast<int>(std::max<std::int64_t>(0, wait.count())));
  if (ready < 0 && errno != EINTR) throw std::system_error(errno, std::generic_category(), "poll");
  for (std::size_t i = 0; ready > 0 && i < fds.size(); ++i) {
    if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
    char buffer[8192];
    const auto got = ::read(fds[i].fd, buffer, sizeof buffer);
    Child& child = *owners[i];
    const auto before = child.dropped + child.lines.size();
    if (got > 0) {
      child.take(buffer, static_cast<std::size_t>(got));
    } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
      child.close_output();
    }
    if (!observer_) continue;
    const auto index = static_cast<std::size_t>(&child - children_.data());
    for (auto n = std::max(before, child.dropped); n < child.dropped + child.lines.size(); ++n) {
      observer_(index, child.lines[n - child.dropped]);
    }
  }
  reap();
  if (interrupted != 0) throw ChildFailure("interrupted by a signal", "");
}

std::smatch Children::wait_for_line(std::size_t index, const std::regex& pattern,
                                    Clock::time_point deadline, std::size_t from) {
  auto& child = children_.at(index);
  std::size_t next = std::max(from, child.dropped);
  for (;;) {
    for (; next < child.dropped + child.lines.size(); ++next) {
      std::smatch match;
      const auto& line = child.lines[next - child.dropped];
      if (std::regex_search(line, match, pattern)) return match;
    }
    if (child.exit_status && child.fd < 0) {
      throw ChildFailure(
          child.spec.name + " exited with status " + std::to_string(*child.exit_status),
          tail(index));
    }
    if (Clock::now() >= deadline) {
      throw ChildFailure(child.spec.name + " did not say so in time", tail(index));
    }
    pump(deadline);
  }
}

int Children::wait_exit(std::size_t index, Clock::time_point deadline) {
  auto& child = children_.at(index);
  while (!child.exit_status || child.fd >= 0) {
    if (Clock::now() >= deadline) {
      throw ChildFailure(child.spec.name + " did not finish in time", tail(index));
    }
    pump(deadline);
  }
  return *child.exit_status;
}

int Children::stop(std::size_t index, std::chrono::milliseconds grace) {
  auto& child = children_.at(index);
  reap();
  if (!child.exit_status) ::kill(child.pid, SIGTERM);
  const auto deadline = Clock::now() + grace;
  while (!child.exit_status && Clock::now() < deadline) {
    try {
      pump(deadline);
    } catch (const ChildFailure&) {
      break;  // interrupted: kill at once
    }
  }
  if (!child.exit_status) {
    ::kill(child.pid, SIGKILL);
    int status = 0;
    if (::waitpid(child.pid, &status, 0) == child.pid) child.exit_status = status_code(status);
  }
  return child.exit_status.value_or(-1);
}

void Children::stop_all(std::chrono::milliseconds grace) {
  reap();
  for (auto& child : children_) {
    if (!child.exit_status) ::kill(child.pid, SIGTERM);
  }
  const auto deadline = Clock::now() + grace;
  const auto all_done = [&] {
    return std::all_of(children_.begin(), children_.end(),
                       [](const Child& c) { return c.exit_status.has_value(); });
  };
  while (!all_done() && Clock::now() < deadline) {
    try {
      pump(deadline);
    } catch (const ChildFailure&) {
      break;
    }
  }
  for (auto& child : children_) {
    if (child.exit_status) continue;
    ::kill(child.pid, SIGKILL);
    int status = 0;
    if (::waitpid(child.pid, &status, 0) == child.pid) child.exit_status = status_code(status);
  }
}

const std::string& Children::name(std::size_t index) const {
  return children_.at(index).spec.name;
}

std::string Children::tail(std::size_t index, std::size_t n) const {
  const auto& lines = children_.at(index).lines;
  std::string text;
  for (auto i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i) {
    text += "    " + lines[i] + "\n";
  }
  return text;
}

}  // namespace parley::cli::demo
