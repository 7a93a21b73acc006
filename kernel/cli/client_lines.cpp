#include "cli/client_lines.hpp"

#include <array>
#include <cstdio>

#include "log/log.hpp"

namespace parley::cli {

std::string event_line(std::string_view tag, std::string_view line) {
  return log::sanitize(tag, 32) + ": " + log::sanitize(line, kMaxEventLineBytes);
}

std::string peer_text(std::string_view text, std::size_t max_bytes) {
  return log::sanitize(text, max_bytes);
}

std::string presence_text(const std::optional<overlay::FoundUser>& found) {
  if (!found) return "offline (no record)";
  const auto& p = found->presence;
  std::string text(directory::status_name(p.status));
  if (p.status != directory::Status::offline && !p.super_node.empty()) {
    text += " (at " + peer_text(p.super_node, 64) + ")";
  }
  return text;
}

Table search_table(const std::vector<overlay::FoundUser>& found) {
  Table table({"USER", "DISPLAY NAME", "STATUS", "SUPER NODE"});
  for (const auto& one : found) {
    const auto& p = one.presence;
    // The user id is certified (only [a-z0-9._-]); sanitized all the same.
    table.add_row({peer_text(p.user_id, 64), peer_text(p.display_name, 64),
                   std::string(directory::status_name(p.status)), peer_text(p.super_node, 64)});
  }
  return table;
}

Table report_table(const call::CallReport& r) {
  // The peer's id, its reasons and its media address come over the network.
  Table table({"FIELD", "VALUE"});
  table.add_row({"call id", peer_text(r.call_id)});
  table.add_row({"peer", peer_text(r.peer)});
  table.add_row({"direction", r.direction});
  table.add_row({"outcome", peer_text(r.outcome)});
  table.add_row({"end reason", peer_text(r.end_reason, 256)});
  table.add_row({"path", r.path.empty() ? "(no media)" : peer_text(r.path)});
  if (r.path_switches > 0) {
    table.add_row({"path switches",
                   std::to_string(r.path_switches) +
                       (r.upgraded_after_ms > 0
                            ? " (relayed -> direct after " + fixed(r.upgraded_after_ms, 0) + " ms)"
                            : "")});
  }
  table.add_row({"remote media", peer_text(r.remote_media)});
  table.add_row(
      {"codec", peer_text(r.codec) + " at " + std::to_string(r.codec_bitrate_bps) + " bit/s"});
  table.add_row({"cipher", peer_text(r.cipher)});
  table.add_row({"safety number", peer_text(r.safety_number)});
  table.add_row({"setup ms", fixed(r.setup_ms, 1)});
  table.add_row({"duration s", fixed(r.duration_s, 1)});
  table.add_row({"wire bytes/s out/in",
                 fixed(r.wire_bytes_per_s_out, 0) + " / " + fixed(r.wire_bytes_per_s_in, 0)});
  table.add_row({"packets sent/received/lost", std::to_string(r.packets_sent) + " / " +
                                                   std::to_string(r.packets_received) + " / " +
                                                   std::to_string(r.packets_lost)});
  table.add_row({"loss %", fixed(r.loss_pct, 2)});
  table.add_row({"jitter ms", fixed(r.jitter_ms, 2)});
  table.add_row({"rtt ms", fixed(r.rtt_ms, 2)});
  table.add_row({"MOS", fixed(r.mos, 2)});
  table.add_row({"concealed frames", std::to_string(r.concealed_frames)});
  table.add_row({"auth failures", std::to_string(r.auth_failures)});
  table.add_row({"recording", r.recording.empty() ? "(none)" : peer_text(r.recording, 256)});
  return table;
}

std::vector<std::string> tagged_lines(std::string_view tag, const Table& table) {
  std::vector<std::string> tagged;
  for (const auto& line : table.lines()) tagged.push_back(event_line(tag, line));
  return tagged;
}

}  // namespace parley::cli
