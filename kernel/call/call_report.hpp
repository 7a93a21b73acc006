// What a finished (or running) call reports: the figures `parley client`
// prints, `parley demo` gathers from both clients, and the tests assert on.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace parley::call {

struct CallReport {
  std::string call_id;
  std::string peer;       // the other user's id
  std::string direction;  // "outgoing" or "incoming"
  std::string
      outcome;  // "completed", "rejected", "busy", "cancelled", "timeout", "failed", "unreachable"
  std::string end_reason;     // one sentence
  std::string path;           // "direct", "relayed" or "" when no media flowed; where it ended
  std::string remote_media;   // host:port media was sent to
  std::string codec;          // negotiated codec interface name, e.g. "opus"
  std::string cipher;         // negotiated cipher suite, e.g. "aes-256-gcm"
  std::string safety_number;  // from the handshake, for people to compare
  double setup_ms =
      0;  // caller: invite sent -> first media packet received; callee: accept -> first packet
  double duration_s = 0;                // media start -> hang-up
  std::uint32_t codec_bitrate_bps = 0;  // encoder target
  double wire_bytes_per_s_out = 0;      // IP + UDP (+ relay header) + SRTP, per second of media
  double wire_bytes_per_s_in = 0;
  std::uint64_t packets_sent = 0;
  std::uint64_t packets_received = 0;
  std::uint64_t packets_lost = 0;  // by RTP sequence gaps
  double loss_pct = 0;
  double jitter_ms = 0;  // RFC 3550 interarrival jitter
  double rtt_ms = 0;     // median of media-path pings; 0 when none came back
  double mos = 0;        // ITU-T G.107 E-model estimate
  std::uint64_t concealed_frames = 0;
  std::uint64_t auth_failures = 0;  // datagrams that failed SRTP authentication
  std::string recording;            // where what was heard was written ("" when nowhere)
  // CLOCK_MONOTONIC (steady_clock) nanoseconds, comparable across processes on
  // one machine: when the first captured sample was sent and when the first
  // played sample was written. Benchmarks compute mouth-to-ear delay with them.
  std::int64_t capture_start_ns = 0;
  std::int64_t playback_start_ns = 0;
  // Path changes during the call (relayed -> direct, and back to the relay
  // when the direct path goes silent; at most 6), and when the call first
  // left the relay for a direct path: ms after media started, 0 when never.
  std::uint32_t path_switches = 0;
  double upgraded_after_ms = 0;
};

nlohmann::json to_json(const CallReport& report);
CallReport call_report_from_json(const nlohmann::json& json);  // throws nlohmann::json::exception

}  // namespace parley::call
