// The codec lab: one codec, one audio clip, one simulated network, run
// through the real send path, network model, jitter buffer and receive path
// in simulated time (as fast as the CPU allows), with the figures that
// compare codecs: bitrate on the wire, speed, loss handling, delay, objective
// quality and an E-model MOS. `parley codec-lab` is its command line.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "media/e_model.hpp"
#include "media/network_model.hpp"
#include "media/pcm_audio.hpp"
#include "media/receive_path.hpp"
#include "media/send_path.hpp"
#include "plugin/codec_plugin.hpp"

namespace parley::media {

// Bytes every packet carries besides its payload, except the cipher's tag.
inline constexpr std::uint32_t kRtpHeaderBytes = 12;
inline constexpr std::uint32_t kUdpHeaderBytes = 8;
inline constexpr std::uint32_t kIpv4HeaderBytes = 20;
// AES-GCM's tag (RFC 7714): the figure used when no cipher plugin says otherwise.
inline constexpr std::uint32_t kDefaultCipherTagBytes = 16;

struct CodecLabSettings {
  std::uint32_t frame_ms = 20;
  std::uint32_t bitrate_bps = 0;  // 0: the codec's default
  std::int32_t complexity = -1;   // -1: the codec's default
  bool fec = false;
  bool dtx = false;
  bool vbr = true;
  std::uint32_t codec_rate_hz = 0;  // 0: the codec rate closest to the input's
  std::string codec_options;        // "key=value;..." for the codec
  AudioProcessingConfig processing;
};

struct CodecLabScenario {
  NetworkConfig network;
  double receiver_clock_ppm = 0;  // the receiver's clock against the sender's
  JitterBufferConfig jitter;      // delay bounds; clock and frame come from the codec
  std::uint32_t cipher_tag_bytes = kDefaultCipherTagBytes;
};

struct CodecLabResult {
  std::string codec;  // interface name
  std::uint32_t codec_rate_hz = 0;
  std::uint32_t channels = 0;
  std::uint32_t frame_ms = 0;
  double audio_seconds = 0;
  std::uint64_t frames_sent = 0;  // frames the sender produced (DTX frames included)

  std::uint32_t overhead_bytes_per_packet = 0;  // RTP + UDP + IPv4 + cipher tag
  double payload_bitrate_bps = 0;
  double wire_bitrate_bps = 0;
  double packets_per_second = 0;
  double encode_speed_x = 0;  // audio seconds per CPU second, send path
  double decode_speed_x = 0;  // audio seconds per CPU second, receive path

  NetworkStats network;
  SendPathStats send;
  ReceivePathStats receive;
  std::uint64_t frames_lost_heard = 0;  // concealed or skipped frames of real audio
  double loss_heard_pct = 0;            // E-model Ppl
  double burst_ratio = 1;               // E-model BurstR

  double snrseg_db = 0;           // against the clean decode (codec rate)
  double lsd_db = 0;              // against the clean decode
  double lsd_vs_original_db = 0;  // clean decode against the input, aligned, in the codec's band
  std::int64_t codec_delay_samples = 0;  // that alignment, at the input rate
  CodecImpairment impairment;
  double one_way_delay_ms = 0;  // network minimum + jitter buffer mean + frame + lookahead
  EModelResult e_model;

  std::vector<std::int16_t> decoded;  // the playback as heard: input rate, codec channels
};

using LabProgress = std::function<void(double fraction)>;

// The codec rate for an input rate: the lowest the codec takes at or above it,
// else its highest.
std::uint32_t choose_codec_rate(const parley_codec_info& info, std::uint32_t input_rate_hz);

// Throws std::invalid_argument for settings the codec refuses (frame length,
// rate), plugin::PluginCallError when the codec fails to start.
CodecLabResult run_codec_lab(const plugin::CodecPlugin& codec, const PcmAudio& input,
                             const CodecLabSettings& settings, const CodecLabScenario& scenario,
                             const LabProgress& progress = {});

}  // namespace parley::media
