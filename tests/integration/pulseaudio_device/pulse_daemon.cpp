#include "pulse_daemon.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace parley::integration {
namespace {

constexpr auto kStopDeadline = std::chrono::seconds(5);
constexpr int kPollIntervalMs = 20;  // between `pactl info` attempts, woken early by daemon exit

// argv for exec from strings that outlive the call.
std::vector<char*> argv_of(std::vector<std::string>& arguments) {
  std::vector<char*> argv;
  for (auto& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  return argv;
}

// Forks and execs; the child's output goes to output_path (or nowhere).
pid_t spawn(std::vector<std::string> arguments, const std::string& output_path,
            bool die_with_parent) {
  auto argv = argv_of(arguments);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid > 0) return pid;
  if (die_with_parent) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
  }
  const int out = ::open(output_path.empty() ? "/dev/null" : output_path.c_str(),
                         O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (out >= 0) {
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
  }
  ::execv(argv[0], argv.data());
  ::_exit(127);
}

void set_env(const char* name, const std::string& value) {
  if (::setenv(name, value.c_str(), 1) != 0) throw std::runtime_error("setenv failed");
}

}  // namespace

PulseDaemon::PulseDaemon(const std::string& pulseaudio, const std::string& pactl,
                         std::chrono::milliseconds deadline)
    : pactl_program_(pactl) {
  if (pulseaudio.empty() || pactl.empty() || ::access(pulseaudio.c_str(), X_OK) != 0) {
    throw std::runtime_error(
        "pulseaudio and pactl are needed (Debian: pulseaudio, pulseaudio-utils; "
        "packaging/install-deps.sh installs them)");
  }
  std::string pattern = std::filesystem::temp_directory_path() / "parley-pulse-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  root_ = pattern;
  const auto runtime = root_ / "runtime";
  const auto home = root_ / "home";
  ::mkdir(runtime.c_str(), 0700);  // pulseaudio refuses a runtime dir others can enter
  ::mkdir(home.c_str(), 0700);
  // Debian's PortAudio has no PulseAudio host API: its ALSA host API reaches
  // the daemon through the ALSA pulse plugin (libasound2-plugins), made the
  // default device here. ALSA reads $HOME/.asoundrc.
  std::ofstream(home / ".asoundrc") << "pcm.!default { type pulse }\nctl.!default { type pulse }\n";
  // A client that cannot connect must fail, not start a daemon of its own.
  std::ofstream(home / "client.conf") << "autospawn = no\n";

  // This process (PortAudio, ALSA, libpulse) and every child see only the private daemon.
  const std::string socket = (runtime / "native").string();
  set_env("HOME", home.string());
  set_env("XDG_RUNTIME_DIR", runtime.string());
  set_env("XDG_CONFIG_HOME", (home / ".config").string());
  set_env("PULSE_RUNTIME_PATH", runtime.string());
  set_env("PULSE_STATE_PATH", (home / "state").string());
  set_env("PULSE_SERVER", "unix:" + socket);
  set_env("PULSE_CLIENTCONFIG", (home / "client.conf").string());
  ::unsetenv("DISPLAY");  // no X11 autospawn or D-Bus session lookups through it

  // Running as root is allowed with --system=false (pulseaudio only warns);
  // -n skips default.pa, so only the modules named here load.
  pid_ = spawn(
      {pulseaudio, "-n", "--daemonize=no", "--system=false", "--exit-idle-time=-1",
       "--use-pid-file=false", "--realtime=false", "--high-priority=false", "--log-target=stderr",
       "-L", std::string("module-null-sink sink_name=") + kSinkName + " rate=48000", "-L",
       "module-native-protocol-unix auth-anonymous=1 socket=" + socket},
      (root_ / "pulseaudio.log").string(), true);
  pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));

  const auto start = std::chrono::steady_clock::now();
  const auto give_up = start + deadline;
  for (;;) {
    if (this->pactl({"info"}) == 0) break;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      const auto text = log();
      stop();
      throw std::runtime_error("pulseaudio exited during start-up:\n" + text);
    }
    if (std::chrono::steady_clock::now() >= give_up) {
      const auto text = log();
      stop();
      throw std::runtime_error("pulseaudio not ready within the deadline:\n" + text);
    }
    pollfd exited{pidfd_, POLLIN, 0};
    ::poll(&exited, pidfd_ >= 0 ? 1 : 0, kPollIntervalMs);
  }
  time_to_ready_ = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
}

PulseDaemon::~PulseDaemon() {
  stop();
}

void PulseDaemon::stop() noexcept {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    pollfd exited{pidfd_, POLLIN, 0};
    const auto wait_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(kStopDeadline).count();
    if (pidfd_ < 0 || ::poll(&exited, 1, static_cast<int>(wait_ms)) <= 0) ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  if (pidfd_ >= 0) ::close(pidfd_);
  pidfd_ = -1;
  if (!root_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
    root_.clear();
  }
}

int PulseDaemon::pactl(const std::vector<std::string>& arguments) const {
  std::vector<std::string> command{pactl_program_};
  command.insert(command.end(), arguments.begin(), arguments.end());
  const pid_t child = spawn(command, "", false);
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int PulseDaemon::run(const std::vector<std::string>& command, std::string& output) const {
  const auto output_path = root_ / "run.log";
  std::filesystem::remove(output_path);
  const pid_t child = spawn(command, output_path.string(), true);
  int status = 0;
  ::waitpid(child, &status, 0);
  std::ifstream in(output_path);
  output.assign(std::istreambuf_iterator<char>(in), {});
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string PulseDaemon::log() const {
  std::ifstream in(root_ / "pulseaudio.log");
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace parley::integration
