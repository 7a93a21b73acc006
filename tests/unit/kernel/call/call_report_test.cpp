// The call report's JSON form: every field out and back.
#include "call/call_report.hpp"

#include <gtest/gtest.h>

namespace parley::call {
namespace {

TEST(CallReportJson, RoundTripsEveryField) {
  CallReport report;
  report.call_id = "0123456789abcdef0123456789abcdef";
  report.peer = "bob";
  report.direction = "outgoing";
  report.outcome = "completed";
  report.end_reason = "hung up";
  report.path = "direct";
  report.remote_media = "127.0.0.1:40000";
  report.codec = "opus";
  report.cipher = "aes-256-gcm";
  report.safety_number = "12345 67890";
  report.setup_ms = 12.5;
  report.duration_s = 3.25;
  report.codec_bitrate_bps = 32000;
  report.wire_bytes_per_s_out = 5000.5;
  report.wire_bytes_per_s_in = 4999.5;
  report.packets_sent = 160;
  report.packets_received = 159;
  report.packets_lost = 1;
  report.loss_pct = 0.625;
  report.jitter_ms = 0.4;
  report.rtt_ms = 0.2;
  report.mos = 4.3;
  report.concealed_frames = 1;
  report.auth_failures = 2;
  report.recording = "/tmp/x.wav";
  report.capture_start_ns = 123456789012345;
  report.playback_start_ns = 123456789112345;
  report.path_switches = 1;
  report.upgraded_after_ms = 2510.25;
  const auto json = to_json(report);
  EXPECT_EQ(json.size(), 29u);
  const auto back = call_report_from_json(nlohmann::json::parse(json.dump()));
  EXPECT_EQ(to_json(back), json);
  EXPECT_EQ(back.capture_start_ns, report.capture_start_ns);
  EXPECT_EQ(back.path_switches, 1u);
  EXPECT_EQ(back.upgraded_after_ms, 2510.25);
}

TEST(CallReportJson, MissingFieldIsRefused) {
  auto json = to_json(CallReport{});
  json.erase("mos");
  EXPECT_THROW(call_report_from_json(json), nlohmann::json::exception);
}

}  // namespace
}  // namespace parley::call
