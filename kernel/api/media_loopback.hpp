// A real round trip through the loaded plugins, for `parley demo` until the live
// call exists: a WAV file is read by the audio plugin, encoded by a codec
// plugin into RTP, protected by a cipher plugin, carried between two real
// sockets of a transport plugin on loopback, then unprotected, decoded and
// written to a WAV file, with a report of what it cost and how it sounds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "plugin/plugin_host.hpp"

namespace parley::api {

struct MediaLoopbackOptions {
  std::filesystem::path input_wav;
  std::filesystem::path output_wav;  // the decoded audio, at the input's rate
  std::string codec;                 // interface name; empty: the host's first choice
  std::uint32_t frame_ms = 20;
  double max_seconds = 0;  // 0: the whole file
};

struct MediaLoopbackReport {
  std::string audio_plugin, codec, cipher, transport;
  std::uint32_t input_rate_hz = 0;
  std::uint32_t codec_rate_hz = 0;
  double audio_seconds = 0;
  std::uint64_t packets_sent = 0;
  std::uint64_t packets_received = 0;
  std::uint64_t packets_rejected = 0;  // failed authentication or replay checks
  std::uint64_t payload_bytes = 0;     // codec payload only
  std::uint64_t wire_bytes = 0;        // IPv4 + transport + RTP + payload + auth tag
  double payload_bitrate_bps = 0;
  double wire_bitrate_bps = 0;
  double encode_speed_x_realtime = 0;  // audio seconds per CPU second in the encoder
  double decode_speed_x_realtime = 0;
  double snr_db = 0;                // decoded vs source, after aligning the codec's delay
  double correlation = 0;           // normalised cross-correlation at that alignment
  std::uint32_t delay_samples = 0;  // the alignment found, at the input rate
  std::filesystem::path output_wav;
};

// Throws std::runtime_error naming what is missing (a plugin kind, a file).
MediaLoopbackReport run_media_loopback(const plugin::PluginHost& host,
                                       const MediaLoopbackOptions& options);

}  // namespace parley::api
