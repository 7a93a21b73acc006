// The call-stats model without any window: what a payload must look like, and
// how each figure reads.
#include <gtest/gtest.h>

#include "call_stats.hpp"

namespace parley::call_stats {
namespace {

TEST(uiCallStatsParse, ReadsEveryFigure) {
  const auto parsed = parse_call_stats(
      R"({"codec":"opus","bitrate_bps":32000,"loss_pct":1.5,"jitter_ms":12.4,"rtt_ms":85,)"
      R"("mos":4.21,"path":"direct/udp","future_field":[1,2]})");
  ASSERT_TRUE(parsed.stats) << parsed.error;
  const auto& stats = *parsed.stats;
  EXPECT_EQ(stats.codec, "opus");
  EXPECT_EQ(stats.bitrate_bps, 32000);
  EXPECT_EQ(stats.loss_pct, 1.5);
  EXPECT_EQ(stats.jitter_ms, 12.4);
  EXPECT_EQ(stats.rtt_ms, 85);
  EXPECT_EQ(stats.mos, 4.21);
  EXPECT_EQ(stats.path, "direct/udp");
}

TEST(uiCallStatsParse, AbsentOrNullFiguresAreUnknown) {
  const auto parsed = parse_call_stats(R"({"codec":"pcmu","rtt_ms":null})");
  ASSERT_TRUE(parsed.stats) << parsed.error;
  EXPECT_EQ(parsed.stats->codec, "pcmu");
  EXPECT_FALSE(parsed.stats->rtt_ms);
  EXPECT_FALSE(parsed.stats->bitrate_bps);
}

TEST(uiCallStatsParse, AcceptsTheEdgesOfEachRange) {
  EXPECT_TRUE(parse_call_stats(R"({"bitrate_bps":0,"loss_pct":0,"jitter_ms":0,"rtt_ms":0})").stats);
  EXPECT_TRUE(parse_call_stats(R"({"bitrate_bps":1e9,"loss_pct":100,"mos":1})").stats);
  EXPECT_TRUE(parse_call_stats(R"({"mos":5})").stats);
  EXPECT_TRUE(
      parse_call_stats(std::string(R"({"codec":")") + std::string(kMaxTextBytes, 'c') + R"("})")
          .stats);
}

struct Rejection {
  std::string payload;
  std::string reason;
};

TEST(uiCallStatsParse, RejectsWholePayloadsWithAReason) {
  const std::vector<Rejection> cases{
      {"", "not valid JSON"},
      {"{", "not valid JSON"},
      {R"({"codec":"opus"} trailing)", "not valid JSON"},
      {std::string("{\"codec\":\"opus\"}\0{", 18), "NUL byte"},
      {"[]", "not a JSON object"},
      {"3", "not a JSON object"},
      {"{}", "no call statistics"},
      {R"({"unrelated":1})", "no call statistics"},
      {R"({"codec":1})", "codec is not a string"},
      {R"({"codec":""})", "codec is empty"},
      {R"({"codec":"a\nb"})", "not printable"},
      {R"({"path":")" + std::string(kMaxTextBytes + 1, 'p') + R"("})", "path is empty, too long"},
      {R"({"bitrate_bps":"32k"})", "bitrate_bps is not a number"},
      {R"({"bitrate_bps":true})", "bitrate_bps is not a number"},
      {R"({"bitrate_bps":-1})", "bitrate_bps is out of range"},
      {R"({"bitrate_bps":2e9})", "bitrate_bps is out of range"},
      {R"({"loss_pct":100.5})", "loss_pct is out of range"},
      {R"({"jitter_ms":-0.1})", "jitter_ms is out of range"},
      {R"({"rtt_ms":1e400})", ""},  // overflow: not JSON to nlohmann, or out of range
      {R"({"mos":0.5})", "mos is out of range"},
      {R"({"mos":5.01})", "mos is out of range"},
      // One bad field spoils the snapshot, however good the rest.
      {R"({"codec":"opus","bitrate_bps":32000,"mos":"great"})", "mos is not a number"},
  };
  for (const auto& [payload, reason] : cases) {
    const auto parsed = parse_call_stats(payload);
    EXPECT_FALSE(parsed.stats) << payload;
    EXPECT_NE(parsed.error.find(reason), std::string::npos)
        << payload << " -> '" << parsed.error << "'";
  }
}

TEST(uiCallStatsParse, RefusesPayloadsPastTheCapBeforeParsing) {
  std::string big = R"({"codec":"opus","pad":")";
  big += std::string(kMaxPayloadBytes, 'x');
  big += R"("})";
  const auto parsed = parse_call_stats(big);
  EXPECT_FALSE(parsed.stats);
  EXPECT_NE(parsed.error.find("exceeds the 65536-byte limit"), std::string::npos) << parsed.error;

  std::string at_cap = R"({"codec":"opus","pad":")";
  at_cap += std::string(kMaxPayloadBytes - at_cap.size() - 2, 'x');
  at_cap += R"("})";
  ASSERT_EQ(at_cap.size(), kMaxPayloadBytes);
  EXPECT_TRUE(parse_call_stats(at_cap).stats);
}

TEST(uiCallStatsParse, SurvivesDeepNesting) {
  const std::string deep = std::string(30'000, '[') + std::string(30'000, ']');
  EXPECT_FALSE(parse_call_stats(deep).stats);
  const std::string deep_object =
      R"({"codec":"opus","x":)" + std::string(20'000, '[') + std::string(20'000, ']') + "}";
  EXPECT_TRUE(parse_call_stats(deep_object).stats);  // unknown fields may be anything
}

TEST(uiCallStatsFormat, BitrateScalesItsUnit) {
  EXPECT_EQ(format_bitrate(0), "0 bit/s");
  EXPECT_EQ(format_bitrate(999), "999 bit/s");
  EXPECT_EQ(format_bitrate(1000), "1.0 kbit/s");
  EXPECT_EQ(format_bitrate(64000), "64.0 kbit/s");
  EXPECT_EQ(format_bitrate(999'949), "999.9 kbit/s");
  EXPECT_EQ(format_bitrate(1'200'000), "1.20 Mbit/s");
}

TEST(uiCallStatsFormat, DurationsKeepATenthOnlyWhereItMatters) {
  EXPECT_EQ(format_duration_ms(0), "0.0 ms");
  EXPECT_EQ(format_duration_ms(3.44), "3.4 ms");
  EXPECT_EQ(format_duration_ms(12.4), "12 ms");
  EXPECT_EQ(format_duration_ms(250), "250 ms");
}

TEST(uiCallStatsFormat, PercentAndMos) {
  EXPECT_EQ(format_percent(0), "0.0 %");
  EXPECT_EQ(format_percent(12.25), "12.2 %");  // printf rounds half to even here
  EXPECT_EQ(format_mos(4.4), "4.40 (excellent)");
  EXPECT_EQ(format_mos(4.34), "4.34 (excellent)");
  EXPECT_EQ(format_mos(4.2), "4.20 (good)");
  EXPECT_EQ(format_mos(3.8), "3.80 (fair)");
  EXPECT_EQ(format_mos(3.2), "3.20 (poor)");
  EXPECT_EQ(format_mos(1.0), "1.00 (bad)");
}

TEST(uiCallStatsFormat, PathsReadAsWords) {
  EXPECT_EQ(format_path("direct/udp"), "Direct, UDP");
  EXPECT_EQ(format_path("Relayed/TCP"), "Relayed, TCP");
  EXPECT_EQ(format_path("hole-punched/udp"), "Hole-punched, UDP");
  EXPECT_EQ(format_path("relay/tls"), "Relayed, TLS");
  EXPECT_EQ(format_path("carrier-pigeon/avian"), "carrier-pigeon/avian");  // shown as given
  EXPECT_EQ(format_path("direct"), "direct");
}

TEST(uiCallStatsRows, EveryRowHasALabelAndUnknownsShowADash) {
  CallStats stats;
  stats.codec = "opus";
  stats.rtt_ms = 85;
  const auto rows = display_rows(stats);
  ASSERT_EQ(rows.size(), row_labels().size());
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i].label, row_labels()[i]);
  EXPECT_EQ(rows[0].value, "opus");
  EXPECT_EQ(rows[1].value, kUnknown);
  EXPECT_EQ(rows[4].label, "Round-trip time");
  EXPECT_EQ(rows[4].value, "85 ms");
  EXPECT_EQ(rows[6].value, kUnknown);
}

}  // namespace
}  // namespace parley::call_stats
