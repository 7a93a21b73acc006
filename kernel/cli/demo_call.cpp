#include "cli/demo_call.hpp"

#include <netinet/in.h>
#include <stdlib.h>  // mkdtemp
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/demo_process.hpp"
#include "cli/demo_wav.hpp"
#include "config/paths.hpp"
#include "identity/private_file.hpp"
#include "plugin/kinds.hpp"

namespace parley::cli::demo {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// Below this the callee did not hear the speech: silence, noise or the wrong
// audio scores near 0; Opus over loopback scores 0.95 (docs/demo.md).
constexpr double kMinHeardCorrelation = 0.5;
constexpr std::size_t kMaxReportBytes = 1 << 20;

double ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// Ports the super nodes must be told in advance (the directory's is
// printed only as given): the kernel picks a free one here, and it stays
// free for the moment between closing this socket and the child binding it.
std::uint16_t free_port(int type) {
  const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("cannot open a socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0;
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot bind a socket on 127.0.0.1");
  return ntohs(address.sin_port);
}

std::string loopback(std::uint16_t port) {
  return "127.0.0.1:" + std::to_string(port);
}

fs::path make_work_dir(const std::optional<fs::path>& wanted) {
  if (wanted) {
    fs::create_directories(*wanted);
    return fs::absolute(*wanted);
  }
  // temp_directory_path() honours TMPDIR.
  std::string pattern = fs::temp_directory_path() / "parley-demo-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot make a work folder like " + pattern);
  }
  return pattern;
}

// The children run with the demo's plugin settings (search path, policy,
// preferences, log level), written out as a config file of their own; the
// user's other settings are left out: the demo's network runs on defaults.
std::string child_config(const config::Settings& settings) {
  std::ostringstream text;
  text << "[log]\nlevel = " << log::level_name(settings.log_level) << "\n";
  text << "[plugins]\nsystem = " << (settings.system_plugins ? "true" : "false") << "\n";
  // The children's own user plugin folder is in the demo's work folder, so
  // the demo's is listed in its place, after the extra folders, as for the demo.
  for (const auto& dir : settings.extra_plugin_dirs) text << "dir = " << dir.string() << "\n";
  text << "dir = " << config::user_plugin_dir().string() << "\n";
  if (settings.policy_file) text << "policy = " << settings.policy_file->string() << "\n";
  for (const auto& [kind, names] : settings.prefer) {
    const auto* spec = plugin::find_kind(kind);
    if (spec == nullptr || names.empty()) continue;
    text << "[" << spec->name << "]\nprefer = ";
    for (std::size_t i = 0; i < names.size(); ++i) text << (i ? ", " : "") << names[i];
    text << "\n";
  }
  return text.str();
}

// The last line of a --report-json file.
std::optional<call::CallReport> read_report(const fs::path& file) {
  std::error_code error;
  const auto size = fs::file_size(file, error);
  if (error || size > kMaxReportBytes) return std::nullopt;
  std::ifstream in(file);
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  }
  if (last.empty()) return std::nullopt;
  try {
    return call::call_report_from_json(nlohmann::json::parse(last));
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

Heard match_heard(const plugin::PluginHost& host, const media::PcmAudio& source,
                  const fs::path& recording) {
  Heard heard;
  heard.recording = recording;
  try {
    const auto audio = read_mono_wav(host, recording, source.sample_rate_hz);
    heard.match = match_recording(source.samples, audio.samples, source.sample_rate_hz);
  } catch (const std::exception& error) {
    heard.problem = error.what();
  }
  return heard;
}

// One run: the processes, what they printed, and the steps' timings.
class DemoRun {
 public:
  DemoRun(const plugin::PluginHost& host, const config::Settings& settings,
          const CallDemoOptions& options, std::ostream& progress, CallDemoResult& result)
      : host_(host), options_(options), progress_(progress), result_(result) {
    result_.work_dir = make_work_dir(options.work_dir);
    result_.sample = options.sample;
    result_.call_seconds = options.call_seconds;
    result_.caller = options.caller;
    result_.callee = options.callee;
    config_file_ = result_.work_dir / "parley.conf";
    identity::write_private_file(config_file_, child_config(settings));
    parley_ = fs::read_symlink("/proc/self/exe");
    children_.on_line([this](std::size_t child, const std::string& line) { echo(child, line); });
  }

  void run() {
    say("work folder " + result_.work_dir.string() + " (kept: logs, reports, recordings)");
    const auto source = read_mono_wav(host_, options_.sample);
    result_.sample_rate_hz = source.sample_rate_hz;
    start_login_server();
    start_super_nodes();
    register_users();
    start_callee();
    run_call();
    shut_down();
    result_.callee_heard = match_heard(host_, source, heard_file(options_.callee));
    result_.caller_heard = match_heard(host_, source, heard_file(options_.caller));
    judge();
  }

  void abort(const std::string& failure, const std::string& tail) {
    result_.ok = false;
    result_.failure = failure;
    result_.failure_tail = tail;
    children_.stop_all(1s);
  }

 private:
  std::size_t start(const std::string& name, std::vector<std::string> args,
                    std::vector<std::string> env = {}) {
    ChildSpec spec;
    spec.name = name;
    spec.argv = {parley_.string(), "--config", config_file_.string()};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.env = std::move(env);
    std::string file = name;
    std::replace(file.begin(), file.end(), ' ', '-');
    spec.log_file = (result_.work_dir / (file + ".log")).string();
    return children_.start(std::move(spec));
  }

  // The first group of the first line matching pattern; what names it in
  // the failure ("the login server's key").
  std::string wait_for(std::size_t child, const std::string& pattern, const std::string& what,
                       Clock::duration limit) {
    try {
      return children_.wait_for_line(child, std::regex(pattern), deadline(limit))[1].str();
    } catch (const ChildFailure& failure) {
      throw ChildFailure(std::string(failure.what()) + " (the demo waited for " + what + ")",
                         failure.tail());
    }
  }

  // A step's deadline, never past the whole demo's: a network that does not
  // come up fails the demo in bounded time.
  Clock::time_point deadline(Clock::duration limit) const {
    return std::min(Clock::now() + limit, demo_deadline_);
  }

  void say(const std::string& line) { progress_ << "demo: " << line << std::endl; }
  void step(const std::string& what, Clock::time_point since) {
    const double ms = ms_between(since, Clock::now());
    result_.steps_ms.emplace_back(what, ms);
    say(what + " (" + std::to_string(std::lround(ms)) + " ms)");
  }

  // The users' call events, as the clients print them.
  void echo(std::size_t child, const std::string& line) {
    if (child != caller_ && child != callee_) return;
    const auto at = line.find("call: ");
    // The demo prints the reports itself, both sides together.
    if (at == std::string::npos || line.find("call: report of", at) == at) return;
    progress_ << "demo:   " << children_.name(child) << ": " << line.substr(at) << std::endl;
  }

  fs::path heard_file(const std::string& user) const {
    return result_.work_dir / (user + "-heard.wav");
  }
  fs::path report_file(const std::string& user) const {
    return result_.work_dir / (user + "-report.jsonl");
  }

  void start_login_server() {
    const auto since = Clock::now();
    login_server_ = start(
        "login server", {"login-server", "--data-dir", (result_.work_dir / "login-server").string(),
                         "--listen", "127.0.0.1:0"});
    server_key_ = wait_for(login_server_, R"(public key (ed25519:\S+))", "its public key", 10s);
    login_address_ = wait_for(login_server_, R"(listening on (\S+))", "its address", 10s);
    step("login server up on " + login_address_, since);
  }

  // Super node n: TLS for clients and peers, STUN and relay on one UDP
  // port, a directory node on another; peers and directory joins to those given.
  std::size_t start_super_node(int number, const std::vector<std::string>& peers,
                               const std::vector<std::string>& directories) {
    const auto name = "super node " + std::to_string(number);
    directories_[number - 1] = loopback(free_port(SOCK_DGRAM));
    std::vector<std::string> args = {
        "node",
        "--role",
        "super",
        "--listen",
        loopback(free_port(SOCK_STREAM)),
        "--stun",
        loopback(free_port(SOCK_DGRAM)),
        "--directory",
        directories_[number - 1],
        "--login-server-key",
        server_key_,
        "--data-dir",
        (result_.work_dir / ("super-node-" + std::to_string(number))).string()};
    for (const auto& peer : peers) args.insert(args.end(), {"--peer", peer});
    for (const auto& directory : directories) {
      args.insert(args.end(), {"--directory-bootstrap", directory});
    }
    const auto child = start(name, args);
    super_nodes_[number - 1] =
        wait_for(child, R"(super-node: listening on (\S+))", "its TLS address", 10s);
    wait_for(child, R"(super-node: (directory on \S+))", "its directory", 10s);
    return child;
  }

  void start_super_nodes() {
    const auto since = Clock::now();
    start_super_node(1, {}, {});
    start_super_node(2, {super_nodes_[0]}, {directories_[0]});
    step("super nodes up on " + super_nodes_[0] + " and " + super_nodes_[1], since);
  }

  void register_users() {
    const auto since = Clock::now();
    const auto password_file = result_.work_dir / "password";
    identity::write_private_file(password_file, "parley-demo-password\n");
    std::vector<std::size_t> runs;
    for (const auto& user : {options_.caller, options_.callee}) {
      runs.push_back(start("register " + user,
                           {"account", "register", "--server", login_address_, "--server-key",
                            server_key_, "--user", user, "--password-file", password_file.string()},
                           {"XDG_DATA_HOME=" + data_home().string()}));
    }
    for (const auto run : runs) {
      const int status = children_.wait_exit(run, deadline(20s));
      if (status != 0) {
        throw ChildFailure(children_.name(run) + " exited with status " + std::to_string(status),
                           children_.tail(run));
      }
    }
    step("registered " + options_.caller + " and " + options_.callee +
             ": identity keys made, certificates issued by the login server",
         since);
  }

  fs::path data_home() const { return result_.work_dir / "data"; }

  std::vector<std::string> client_args(const std::string& user, const std::string& super_node) {
    return {"client",
            "--user",
            user,
            "--bootstrap",
            super_node,
            "--data-dir",
            (result_.work_dir / (user + "-node")).string(),
            "--play",
            options_.sample.string(),
            "--record",
            heard_file(user).string(),
            "--report-json",
            report_file(user).string()};
  }

  void start_callee() {
    const auto since = Clock::now();
    auto args = client_args(options_.callee, super_nodes_[1]);
    args.insert(args.end(), {"--auto-answer", "--calls", "1"});
    callee_ = start(options_.callee, args, {"XDG_DATA_HOME=" + data_home().string()});
    result_.callee_super_node =
        wait_for(callee_, R"(attached to (\S+))", "an attach to a super node", 10s);
    // The call looks the callee up in the directory: wait for the record.
    wait_for(callee_, R"((published\S*))", "its presence in the directory", 10s);
    step(options_.callee + " attached to super node 2 at " + result_.callee_super_node +
             ", presence published, answers calls",
         since);
  }

  void run_call() {
    const auto since = Clock::now();
    auto args = client_args(options_.caller, super_nodes_[0]);
    std::ostringstream seconds;
    seconds << options_.call_seconds;
    args.insert(args.end(), {"--call", options_.callee, "--duration", seconds.str()});
    caller_ = start(options_.caller, args, {"XDG_DATA_HOME=" + data_home().string()});
    result_.caller_super_node =
        wait_for(caller_, R"(attached to (\S+))", "an attach to a super node", 10s);
    step(options_.caller + " attached to super node 1 at " + result_.caller_super_node +
             ", calls " + options_.callee + " for " + seconds.str() + " s",
         since);
    const auto call_limit = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(options_.call_seconds + 10));
    caller_status_ = children_.wait_exit(caller_, deadline(call_limit));
    // The callee leaves after its one call; a failed call may leave it waiting.
    try {
      callee_status_ = children_.wait_exit(callee_, Clock::now() + 5s);
    } catch (const ChildFailure&) {
      callee_status_ = children_.stop(callee_, 2s);
    }
    step("call over: " + options_.caller + " exited " + std::to_string(caller_status_) + ", " +
             options_.callee + " exited " + std::to_string(callee_status_),
         since);
    result_.caller_report = read_report(report_file(options_.caller));
    result_.callee_report = read_report(report_file(options_.callee));
  }

  void shut_down() {
    const auto since = Clock::now();
    children_.stop_all(3s);
    step("login server and super nodes stopped", since);
  }

  void judge() {
    const auto& caller = result_.caller_report;
    const auto& callee = result_.callee_report;
    const auto& heard = result_.callee_heard;
    const auto fail = [&](const std::string& why, std::size_t child) {
      result_.failure = why;
      result_.failure_tail = children_.tail(child);
    };
    if (!caller) {
      fail(options_.caller + " wrote no call report (exit status " +
               std::to_string(caller_status_) + ")",
           caller_);
    } else if (caller->outcome != "completed") {
      fail("the call did not complete: " + caller->outcome + ", " + caller->end_reason, caller_);
    } else if (!callee) {
      fail(options_.callee + " wrote no call report (exit status " +
               std::to_string(callee_status_) + ")",
           callee_);
    } else if (caller->packets_received == 0 || callee->packets_received == 0) {
      fail("media did not flow both ways: " + options_.caller + " received " +
               std::to_string(caller->packets_received) + " packets, " + options_.callee + " " +
               std::to_string(callee->packets_received),
           caller_);
    } else if (!heard.match) {
      fail(options_.callee + "'s recording: " + heard.problem, callee_);
    } else if (heard.match->correlation < kMinHeardCorrelation) {
      std::ostringstream why;
      why.precision(2);
      why << options_.callee << "'s recording does not match what " << options_.caller
          << " sent: correlation " << std::fixed << heard.match->correlation << " < "
          << kMinHeardCorrelation;
      fail(why.str(), callee_);
    } else {
      result_.ok = true;
    }
  }

  const plugin::PluginHost& host_;
  const CallDemoOptions& options_;
  std::ostream& progress_;
  CallDemoResult& result_;
  fs::path config_file_;
  fs::path parley_;
  Children children_;
  std::size_t login_server_ = 0;
  std::size_t caller_ = SIZE_MAX;
  std::size_t callee_ = SIZE_MAX;
  std::string server_key_;
  std::string login_address_;
  std::string super_nodes_[2];
  std::string directories_[2];
  // Everything up to the end of the call: the network's start-up normally
  // takes 2-3 s and the call its length plus a second.
  Clock::time_point demo_deadline_ =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(options_.call_seconds + 25));
  int caller_status_ = -1;
  int callee_status_ = -1;
};

}  // namespace

CallDemoResult run_call_demo(const plugin::PluginHost& host, const config::Settings& settings,
                             const CallDemoOptions& options, std::ostream& progress) {
  const auto started = Clock::now();
  CallDemoResult result;
  try {
    DemoRun run(host, settings, options, progress, result);
    try {
      run.run();
    } catch (const ChildFailure& failure) {
      run.abort(failure.what(), failure.tail());
    } catch (const std::exception& error) {
      run.abort(error.what(), "");
    }
  } catch (const std::exception& error) {
    result.ok = false;
    result.failure = error.what();
  }
  result.total_s = ms_between(started, Clock::now()) / 1000;
  return result;
}

}  // namespace parley::cli::demo
