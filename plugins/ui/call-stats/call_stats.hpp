// What a "call.stats" event says about the current call, read defensively from
// the client's JSON, and how each figure is shown (with its unit). No toolkit here.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace parley::call_stats {

// A snapshot is a handful of numbers: anything bigger is a client bug or an attack.
inline constexpr std::size_t kMaxPayloadBytes = std::size_t{64} * 1024;
inline constexpr std::size_t kMaxTextBytes = 64;

// One snapshot; a figure the client did not measure (absent or null) is empty.
struct CallStats {
  std::optional<std::string> codec;  // "opus"
  std::optional<double> bitrate_bps;
  std::optional<double> loss_pct;
  std::optional<double> jitter_ms;
  std::optional<double> rtt_ms;
  std::optional<double> mos;        // ITU-T G.107 E-model estimate, 1..5
  std::optional<std::string> path;  // "direct/udp", "relayed/tcp", ...
};

struct ParseResult {
  std::optional<CallStats> stats;
  std::string error;  // why the payload was ignored, when stats is empty
};

// Never throws for any input: a payload that is too large, not JSON, not an
// object, has a field of the wrong type or out of range, or carries no figure
// at all is rejected as a whole, so the table never shows half a snapshot.
ParseResult parse_call_stats(std::string_view json);

struct DisplayRow {
  std::string_view label;  // "Round-trip time"
  std::string value;       // "85 ms"; kUnknown when not measured
};
inline constexpr std::string_view kUnknown = "\u2014";  // em dash
inline constexpr std::size_t kRowCount = 7;

// Rows in a fixed order, so a table can update cells in place.
std::array<DisplayRow, kRowCount> display_rows(const CallStats& stats);
// The row labels alone, for building the table before any snapshot.
std::array<std::string_view, kRowCount> row_labels();

std::string format_bitrate(double bps);          // "800 bit/s", "32.0 kbit/s", "1.20 Mbit/s"
std::string format_percent(double pct);          // "1.5 %"
std::string format_duration_ms(double ms);       // "3.4 ms", "85 ms"
std::string format_mos(double mos);              // "4.21 (good)"
std::string format_path(std::string_view path);  // "direct/udp" -> "Direct, UDP"

}  // namespace parley::call_stats
