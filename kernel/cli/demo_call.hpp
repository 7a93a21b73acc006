// `parley demo`'s live call: a private network on 127.0.0.1 (login server,
// two super nodes, two clients, each a separate `parley` process), two users
// registered, one calling the other with the shipped speech sample for a
// fixed time, both recording what they heard; then everything is shut down
// and the figures gathered. Printing them is demo_report's job.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "call/call_report.hpp"
#include "cli/demo_alignment.hpp"
#include "config/settings.hpp"
#include "plugin/plugin_host.hpp"

namespace parley::cli::demo {

struct CallDemoOptions {
  std::filesystem::path sample;                   // mono 16-bit WAV both users play
  std::optional<std::filesystem::path> work_dir;  // default: a new folder in $TMPDIR
  double call_seconds = 10;
  std::string caller = "alice";
  std::string callee = "bob";
};

// What one user heard, against what the other sent.
struct Heard {
  std::filesystem::path recording;
  std::optional<AudioMatch> match;  // empty when the recording could not be read
  std::string problem;              // why, then
};

struct CallDemoResult {
  bool ok = false;
  std::string failure;       // one line when !ok
  std::string failure_tail;  // the failing process's last lines of output
  std::filesystem::path work_dir;
  std::filesystem::path sample;
  std::uint32_t sample_rate_hz = 0;
  double call_seconds = 0;
  std::string caller, callee;
  std::string caller_super_node, callee_super_node;      // host:port
  std::vector<std::pair<std::string, double>> steps_ms;  // "login server up", 12.3
  std::optional<call::CallReport> caller_report, callee_report;
  Heard callee_heard, caller_heard;
  double total_s = 0;
};

// progress gets one line per step as it happens. Never throws for a failed
// call: the result says what went wrong.
CallDemoResult run_call_demo(const plugin::PluginHost& host, const config::Settings& settings,
                             const CallDemoOptions& options, std::ostream& progress);

}  // namespace parley::cli::demo
