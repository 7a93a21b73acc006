// `parley demo`: the main job. A live call between two users over a private
// network of real processes on 127.0.0.1 (demo_call.hpp), with a report.
// `--loopback` (implied by its own options) is the older codec round trip
// through a socket pair, kept for plugin authors (demo_loopback.hpp).
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>

#include "cli/client_app.hpp"
#include "cli/command_registry.hpp"
#include "cli/common_options.hpp"
#include "cli/demo_call.hpp"
#include "cli/demo_loopback.hpp"
#include "cli/demo_report.hpp"
#include "cli/demo_wav.hpp"
#include "cli/table.hpp"
#include "plugin/plugin_host.hpp"

namespace parley::cli {
namespace {

constexpr const char* kUsage =
    "Usage: parley demo [--json] [--call-seconds S] [--work-dir DIR]\n"
    "       parley demo --loopback [--codec NAME] [--input IN.wav] [--seconds S]\n"
    "                              [--output-dir DIR] [--json]\n\n"
    "Without --loopback: starts a login server, two super nodes and two clients as separate\n"
    "processes on 127.0.0.1, registers alice and bob, has alice call bob for 10 s playing the\n"
    "shipped speech sample (bob plays it back too), records what each heard, shuts everything\n"
    "down and prints a call report. Exits 0 only when the call completed with media both ways\n"
    "and bob's recording matches what alice sent.\n"
    "--loopback: the speech through every loaded codec, the cipher and a UDP socket pair in\n"
    "this process, one row per codec. --codec, --input, --seconds and --output-dir imply it.\n";

int run_call(const po::variables_map& values, const config::Settings& settings) {
  const bool as_json = values.count("json") != 0;
  demo::CallDemoOptions options;
  options.sample = demo::default_sample();
  options.call_seconds = values["call-seconds"].as<double>();
  if (options.call_seconds < 1 || options.call_seconds > 600) {
    std::cerr << "parley demo: --call-seconds must be 1..600\n";
    return kExitUsage;
  }
  if (values.count("work-dir") != 0) options.work_dir = values["work-dir"].as<std::string>();
  const plugin::PluginHost host(settings);
  // With --json, stdout carries only the JSON; progress goes to stderr.
  auto& progress = as_json ? std::cerr : std::cout;
  const auto result = demo::run_call_demo(host, settings, options, progress);
  if (as_json) {
    std::cout << demo::call_demo_json(result).dump(2) << '\n';
  } else if (result.caller_report) {
    demo::print_call_report(result, std::cout);
  }
  if (!result.ok) {
    std::cerr << "parley demo: the call failed: " << result.failure << '\n';
    if (!result.failure_tail.empty()) std::cerr << "  last output:\n" << result.failure_tail;
    std::cerr << "  logs and reports: " << result.work_dir.string() << '\n';
    return kExitCallFailed;
  }
  progress << "demo: done in " << fixed(result.total_s, 1) << " s; recordings and logs in "
           << result.work_dir.string() << '\n';
  return kExitOk;
}

int run_demo(const std::vector<std::string>& args, const config::Settings& settings) {
  po::options_description options("demo options");
  options.add_options()("help,h", "show this help")("json", "print JSON instead of a table")(
      "call-seconds", po::value<double>()->default_value(10), "length of the call")(
      "work-dir", po::value<std::string>(),
      "keep the network's files, logs and recordings here (default: a new folder in $TMPDIR)")(
      "loopback", "the codec round trip in this process instead of a call")(
      "input", po::value<std::string>(),
      "loopback: mono WAV file to send (default: the shipped speech sample)")(
      "output-dir", po::value<std::string>(),
      "loopback: where decoded WAV files go (default: ~/.local/share/parley/demo)")(
      "codec", po::value<std::string>(),
      "loopback: one codec by interface name (default: every loaded codec, preferred first)")(
      "seconds", po::value<double>()->default_value(0),
      "loopback: send at most this much audio (0: all of it)");
  po::variables_map values;
  try {
    po::store(po::command_line_parser(args).options(options).run(), values);
  } catch (const po::error& error) {
    std::cerr << "parley demo: " << error.what() << "\n\n" << kUsage << '\n' << options;
    return kExitUsage;
  }
  if (values.count("help") != 0) {
    std::cout << kUsage << '\n' << options;
    return kExitOk;
  }
  const bool loopback = values.count("loopback") != 0 || values.count("codec") != 0 ||
                        values.count("input") != 0 || values.count("output-dir") != 0 ||
                        !values["seconds"].defaulted();
  if (loopback) return demo::run_loopback_demo(values, settings);
  return run_call(values, settings);
}

const CommandRegistration kDemo{
    "demo", "the main job: a live call between two users on a local network, with a report",
    &run_demo};

}  // namespace
}  // namespace parley::cli
