#include "call/call_report.hpp"

namespace parley::call {

nlohmann::json to_json(const CallReport& report) {
  return nlohmann::json{
      {"call_id", report.call_id},
      {"peer", report.peer},
      {"direction", report.direction},
      {"outcome", report.outcome},
      {"end_reason", report.end_reason},
      {"path", report.path},
      {"remote_media", report.remote_media},
      {"codec", report.codec},
      {"cipher", report.cipher},
      {"safety_number", report.safety_number},
      {"setup_ms", report.setup_ms},
      {"duration_s", report.duration_s},
      {"codec_bitrate_bps", report.codec_bitrate_bps},
      {"wire_bytes_per_s_out", report.wire_bytes_per_s_out},
      {"wire_bytes_per_s_in", report.wire_bytes_per_s_in},
      {"packets_sent", report.packets_sent},
      {"packets_received", report.packets_received},
      {"packets_lost", report.packets_lost},
      {"loss_pct", report.loss_pct},
      {"jitter_ms", report.jitter_ms},
      {"rtt_ms", report.rtt_ms},
      {"mos", report.mos},
      {"concealed_frames", report.concealed_frames},
      {"auth_failures", report.auth_failures},
      {"recording", report.recording},
      {"capture_start_ns", report.capture_start_ns},
      {"playback_start_ns", report.playback_start_ns},
      {"path_switches", report.path_switches},
      {"upgraded_after_ms", report.upgraded_after_ms},
  };
}

// Every field is required: a report from another version that lacks one is
// refused rather than read as zeros.
CallReport call_report_from_json(const nlohmann::json& json) {
  CallReport report;
  json.at("call_id").get_to(report.call_id);
  json.at("peer").get_to(report.peer);
  json.at("direction").get_to(report.direction);
  json.at("outcome").get_to(report.outcome);
  json.at("end_reason").get_to(report.end_reason);
  json.at("path").get_to(report.path);
  json.at("remote_media").get_to(report.remote_media);
  json.at("codec").get_to(report.codec);
  json.at("cipher").get_to(report.cipher);
  json.at("safety_number").get_to(report.safety_number);
  json.at("setup_ms").get_to(report.setup_ms);
  json.at("duration_s").get_to(report.duration_s);
  json.at("codec_bitrate_bps").get_to(report.codec_bitrate_bps);
  json.at("wire_bytes_per_s_out").get_to(report.wire_bytes_per_s_out);
  json.at("wire_bytes_per_s_in").get_to(report.wire_bytes_per_s_in);
  json.at("packets_sent").get_to(report.packets_sent);
  json.at("packets_received").get_to(report.packets_received);
  json.at("packets_lost").get_to(report.packets_lost);
  json.at("loss_pct").get_to(report.loss_pct);
  json.at("jitter_ms").get_to(report.jitter_ms);
  json.at("rtt_ms").get_to(report.rtt_ms);
  json.at("mos").get_to(report.mos);
  json.at("concealed_frames").get_to(report.concealed_frames);
  json.at("auth_failures").get_to(report.auth_failures);
  json.at("recording").get_to(report.recording);
  json.at("capture_start_ns").get_to(report.capture_start_ns);
  json.at("playback_start_ns").get_to(report.playback_start_ns);
  json.at("path_switches").get_to(report.path_switches);
  json.at("upgraded_after_ms").get_to(report.upgraded_after_ms);
  return report;
}

}  // namespace parley::call
