#include "call_stats.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

namespace parley::call_stats {
namespace {

using Json = nlohmann::json;

struct TextField {
  std::string_view key;
  std::optional<std::string> CallStats::*member;
};
constexpr std::array kTextFields{TextField{"codec", &CallStats::codec},
                                 TextField{"path", &CallStats::path}};

// Ranges are what a real call can show; a value outside one is a broken client,
// and showing it would mislead the user more than showing nothing.
struct NumberField {
  std::string_view key;
  double min;
  double max;
  std::optional<double> CallStats::*member;
};
constexpr std::array kNumberFields{
    NumberField{"bitrate_bps", 0, 1e9, &CallStats::bitrate_bps},
    NumberField{"loss_pct", 0, 100, &CallStats::loss_pct},
    NumberField{"jitter_ms", 0, 600'000, &CallStats::jitter_ms},
    NumberField{"rtt_ms", 0, 600'000, &CallStats::rtt_ms},
    NumberField{"mos", 1, 5, &CallStats::mos},
};

ParseResult rejected(std::string why) {
  return {std::nullopt, std::move(why)};
}

bool printable(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

template <typename... Args>
std::string printf_string(const char* format, Args... args) {
  char buffer[64];
  const int length = std::snprintf(buffer, sizeof buffer, format, args...);
  return length < 0 ? std::string{} : std::string(buffer, std::min<std::size_t>(length, 63));
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

ParseResult parse_call_stats(std::string_view json) {
  if (json.size() > kMaxPayloadBytes) {
    return rejected("payload of " + std::to_string(json.size()) + " bytes exceeds the " +
                    std::to_string(kMaxPayloadBytes) + "-byte limit");
  }
  // JSON text never holds a raw NUL, and nlohmann stops reading at one, which
  // would accept whatever follows it.
  if (json.find('\0') != std::string_view::npos) return rejected("payload contains a NUL byte");
  const auto document = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return rejected("payload is not valid JSON");
  if (!document.is_object()) return rejected("payload is not a JSON object");

  CallStats stats;
  bool any_figure = false;
  for (const auto& field : kTextFields) {
    const auto it = document.find(field.key);
    if (it == document.end() || it->is_null()) continue;
    if (!it->is_string()) return rejected(std::string(field.key) + " is not a string");
    const auto& text = it->get_ref<const std::string&>();
    if (text.empty() || text.size() > kMaxTextBytes || !printable(text)) {
      return rejected(std::string(field.key) + " is empty, too long or not printable");
    }
    stats.*field.member = text;
    any_figure = true;
  }
  for (const auto& field : kNumberFields) {
    const auto it = document.find(field.key);
    if (it == document.end() || it->is_null()) continue;
    if (!it->is_number()) return rejected(std::string(field.key) + " is not a number");
    const auto value = it->get<double>();
    if (!(value >= field.min && value <= field.max)) {  // also false for inf
      return rejected(std::string(field.key) + " is out of range");
    }
    stats.*field.member = value;
    any_figure = true;
  }
  if (!any_figure) return rejected("payload carries no call statistics");
  return {std::move(stats), {}};
}

std::string format_bitrate(double bps) {
  if (bps < 1000) return printf_string("%.0f bit/s", bps);
  if (bps < 1'000'000) return printf_string("%.1f kbit/s", bps / 1000);
  return printf_string("%.2f Mbit/s", bps / 1'000'000);
}

std::string format_percent(double pct) {
  return printf_string("%.1f %%", pct);
}

std::string format_duration_ms(double ms) {
  return ms < 10 ? printf_string("%.1f ms", ms) : printf_string("%.0f ms", ms);
}

std::string format_mos(double mos) {
  // ITU-T G.107 Annex B: the MOS at R = 90, 80, 70, 60 bounds each satisfaction band.
  const char* verdict = mos >= 4.34   ? "excellent"
                        : mos >= 4.03 ? "good"
                        : mos >= 3.60 ? "fair"
                        : mos >= 3.10 ? "poor"
                                      : "bad";
  return printf_string("%.2f (%s)", mos, verdict);
}

std::string format_path(std::string_view path) {
  const auto slash = path.find('/');
  if (slash == std::string_view::npos) return std::string(path);
  const auto route = ascii_lower(path.substr(0, slash));
  const auto transport = ascii_lower(path.substr(slash + 1));
  std::string_view route_text;
  if (route == "direct") route_text = "Direct";
  if (route == "punched" || route == "hole-punched") route_text = "Hole-punched";
  if (route == "relayed" || route == "relay") route_text = "Relayed";
  std::string_view transport_text;
  if (transport == "udp") transport_text = "UDP";
  if (transport == "tcp") transport_text = "TCP";
  if (transport == "tls") transport_text = "TLS";
  if (route_text.empty() || transport_text.empty()) return std::string(path);
  return std::string(route_text) + ", " + std::string(transport_text);
}

std::array<std::string_view, kRowCount> row_labels() {
  return {"Codec",           "Bitrate",       "Packet loss", "Jitter",
          "Round-trip time", "Quality (MOS)", "Network path"};
}

std::array<DisplayRow, kRowCount> display_rows(const CallStats& stats) {
  const auto labels = row_labels();
  auto text_or_unknown = [](const std::optional<std::string>& value, auto format) {
    return value ? format(*value) : std::string(kUnknown);
  };
  auto number_or_unknown = [](const std::optional<double>& value, auto format) {
    return value ? format(*value) : std::string(kUnknown);
  };
  return {{
      {labels[0], text_or_unknown(stats.codec, [](const std::string& s) { return s; })},
      {labels[1], number_or_unknown(stats.bitrate_bps, format_bitrate)},
      {labels[2], number_or_unknown(stats.loss_pct, format_percent)},
      {labels[3], number_or_unknown(stats.jitter_ms, format_duration_ms)},
      {labels[4], number_or_unknown(stats.rtt_ms, format_duration_ms)},
      {labels[5], number_or_unknown(stats.mos, format_mos)},
      {labels[6], text_or_unknown(stats.path, format_path)},
  }};
}

}  // namespace parley::call_stats
