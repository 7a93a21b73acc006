#include "cli/demo_report.hpp"

#include <cstdio>

#include "cli/table.hpp"

namespace parley::cli::demo {
namespace {

// One direction of the call: who sent, who heard, and their two reports.
struct Direction {
  std::string from, to;
  const call::CallReport* sender = nullptr;
  const call::CallReport* receiver = nullptr;
  const Heard* heard = nullptr;
};

std::vector<Direction> directions(const CallDemoResult& r) {
  const auto* caller = r.caller_report ? &*r.caller_report : nullptr;
  const auto* callee = r.callee_report ? &*r.callee_report : nullptr;
  return {{r.caller, r.callee, caller, callee, &r.callee_heard},
          {r.callee, r.caller, callee, caller, &r.caller_heard}};
}

std::optional<double> lag_ms(const Direction& d, std::uint32_t rate_hz) {
  if (!d.heard->match || rate_hz == 0) return std::nullopt;
  return 1000.0 * double(d.heard->match->lag_samples) / rate_hz;
}

// First sample captured at the sender to the same sample played at the
// receiver. Both clocks are CLOCK_MONOTONIC on this machine. The engine
// writes a frame to the recording on every audio tick from its first one,
// silence while its jitter buffer fills, so the recording's first sample was
// written at the receiver's first tick, which is also its capture start; the
// lag says how far into the recording the sender's first sample landed.
std::optional<double> mouth_to_ear_ms(const Direction& d, std::uint32_t rate_hz) {
  const auto lag = lag_ms(d, rate_hz);
  if (!lag || d.sender == nullptr || d.receiver == nullptr || d.sender->capture_start_ns == 0 ||
      d.receiver->capture_start_ns == 0) {
    return std::nullopt;
  }
  return double(d.receiver->capture_start_ns - d.sender->capture_start_ns) / 1e6 + *lag;
}

bool safety_numbers_match(const CallDemoResult& r) {
  return r.caller_report && r.callee_report && !r.caller_report->safety_number.empty() &&
         r.caller_report->safety_number == r.callee_report->safety_number;
}

std::string or_dash(const std::optional<double>& value, int decimals, const std::string& unit) {
  return value ? fixed(*value, decimals) + unit : "-";
}

}  // namespace

void print_call_report(const CallDemoResult& r, std::ostream& out) {
  const auto* caller = r.caller_report ? &*r.caller_report : nullptr;
  out << "\nCall report: " << r.caller << " calls " << r.callee << " for "
      << fixed(r.call_seconds, 0) << " s, both playing " << r.sample.filename().string()
      << ", every process on 127.0.0.1\n\n";
  if (caller != nullptr) {
    const auto line = [&](const std::string& name, const std::string& value) {
      out << "  " << name << std::string(name.size() < 16 ? 16 - name.size() : 1, ' ') << value
          << '\n';
    };
    line("outcome",
         caller->outcome + (caller->end_reason.empty() ? "" : " (" + caller->end_reason + ")"));
    line("setup time", fixed(caller->setup_ms, 0) + " ms (invite sent -> first media packet)");
    line("path", (caller->path.empty() ? "none" : caller->path) + ", " + r.caller + " sent to " +
                     caller->remote_media +
                     (caller->path_switches > 0
                          ? " (" + std::to_string(caller->path_switches) + " path switches)"
                          : ""));
    line("codec", caller->codec + " at " + fixed(caller->codec_bitrate_bps / 1000.0, 1) +
                      " kbit/s, SRTP " + caller->cipher);
    line("round trip",
         caller->rtt_ms > 0 ? fixed(caller->rtt_ms, 2) + " ms on the media path" : "-");
    line("safety numbers", safety_numbers_match(r) ? "match: " + caller->safety_number : "DIFFER");
    out << '\n';
  }
  const auto both = directions(r);
  Table table({"", both[0].from + " -> " + both[0].to, both[1].from + " -> " + both[1].to});
  const auto row = [&](const std::string& name, auto cell) {
    table.add_row({name, cell(both[0]), cell(both[1])});
  };
  row("on the wire", [](const Direction& d) {
    if (d.sender == nullptr) return std::string("-");
    const double bytes = d.sender->wire_bytes_per_s_out;
    return fixed(bytes / 1000, 2) + " KB/s (" + fixed(bytes / kSeedWireBytesPerS, 2) + "x seed)";
  });
  row("packets sent/received", [](const Direction& d) {
    if (d.sender == nullptr || d.receiver == nullptr) return std::string("-");
    return std::to_string(d.sender->packets_sent) + "/" +
           std::to_string(d.receiver->packets_received);
  });
  row("loss", [](const Direction& d) {
    return d.receiver ? fixed(d.receiver->loss_pct, 1) + " %" : std::string("-");
  });
  row("jitter", [](const Direction& d) {
    return d.receiver ? fixed(d.receiver->jitter_ms, 2) + " ms" : std::string("-");
  });
  row("MOS (E-model)",
      [](const Direction& d) { return d.receiver ? fixed(d.receiver->mos, 2) : std::string("-"); });
  row("heard vs sent (corr)", [](const Direction& d) {
    if (!d.heard->match) return std::string("-");
    return fixed(d.heard->match->correlation, 3) + " over " + fixed(d.heard->match->overlap_s, 1) +
           " s";
  });
  row("mouth to ear",
      [&](const Direction& d) { return or_dash(mouth_to_ear_ms(d, r.sample_rate_hz), 0, " ms"); });
  row("recording", [](const Direction& d) { return d.heard->recording.string(); });
  table.print(out, "  ");
  out << "\nOn the wire: IPv4 + UDP + RTP + payload + SRTP tag per second of media, "
         "against the seed's 5 KB/s for Skype.\n";
}

nlohmann::json call_demo_json(const CallDemoResult& r) {
  nlohmann::json out;
  out["ok"] = r.ok;
  out["failure"] = r.failure;
  out["work_dir"] = r.work_dir.string();
  out["sample"] = r.sample.string();
  out["sample_rate_hz"] = r.sample_rate_hz;
  out["call_seconds"] = r.call_seconds;
  out["caller"] = r.caller;
  out["callee"] = r.callee;
  out["caller_super_node"] = r.caller_super_node;
  out["callee_super_node"] = r.callee_super_node;
  out["total_s"] = r.total_s;
  out["steps_ms"] = nlohmann::json::array();
  for (const auto& [what, ms] : r.steps_ms) out["steps_ms"].push_back({{"step", what}, {"ms", ms}});
  out["caller_report"] = r.caller_report ? call::to_json(*r.caller_report) : nlohmann::json();
  out["callee_report"] = r.callee_report ? call::to_json(*r.callee_report) : nlohmann::json();
  out["safety_numbers_match"] = safety_numbers_match(r);
  out["directions"] = nlohmann::json::array();
  for (const auto& d : directions(r)) {
    nlohmann::json j = {{"from", d.from}, {"to", d.to}, {"recording", d.heard->recording.string()}};
    if (d.sender != nullptr) {
      j["wire_bytes_per_s"] = d.sender->wire_bytes_per_s_out;
      j["wire_vs_seed"] = d.sender->wire_bytes_per_s_out / kSeedWireBytesPerS;
    }
    if (d.heard->match) {
      const auto& m = *d.heard->match;
      j["correlation"] = m.correlation;
      j["min_window_correlation"] = m.min_window_correlation;
      j["overlap_s"] = m.overlap_s;
      j["lag_ms"] = *lag_ms(d, r.sample_rate_hz);
    } else {
      j["recording_problem"] = d.heard->problem;
    }
    if (const auto m2e = mouth_to_ear_ms(d, r.sample_rate_hz)) j["mouth_to_ear_ms"] = *m2e;
    out["directions"].push_back(j);
  }
  return out;
}

}  // namespace parley::cli::demo
