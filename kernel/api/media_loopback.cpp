#include "api/media_loopback.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "media/resampler.hpp"
#include "media/rtp_packet.hpp"
#include "parley/sdk/address.hpp"
#include "plugin/audio_plugin.hpp"
#include "plugin/cipher_plugin.hpp"
#include "plugin/codec_plugin.hpp"
#include "plugin/transport_plugin.hpp"

namespace parley::api {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kIpv4HeaderBytes = 20;
constexpr std::uint8_t kDynamicPayloadType = 96;
constexpr std::chrono::milliseconds kReceiveTimeout{2000};  // loopback: anything later is lost

plugin::Offer find_offer(const plugin::PluginHost& host, parley_kind kind, const std::string& name,
                         const char* what) {
  for (const auto& ranked : host.ranked(kind)) {
    if (name.empty() || ranked.offer.interface->name == name) return ranked.offer;
  }
  throw std::runtime_error(std::string("no usable ") + what +
                           (name.empty() ? "" : " plugin named '" + name + "'") +
                           " (see `parley plugins list`)");
}

// The codec rate closest to the source without going above it, so the codec
// never has to invent bandwidth the source does not have.
std::uint32_t pick_codec_rate(const parley_codec_info& info, std::uint32_t source_hz) {
  std::uint32_t best = info.sample_rates_hz[0];
  for (std::uint32_t i = 0; i < info.sample_rate_count; ++i) {
    if (info.sample_rates_hz[i] <= source_hz) best = info.sample_rates_hz[i];
  }
  return best;
}

bool supports_frame(const parley_codec_info& info, std::uint32_t frame_ms) {
  for (std::uint32_t i = 0; i < info.frame_duration_count; ++i) {
    if (info.frame_durations_ms[i] == frame_ms) return true;
  }
  return false;
}

struct Alignment {
  std::uint32_t delay_samples = 0;
  double correlation = 0;
  double snr_db = 0;
};

// Finds the codec's delay by maximising normalised cross-correlation over the
// first 200 ms of lag, then measures SNR at that lag.
Alignment align(std::span<const std::int16_t> source, std::span<const std::int16_t> decoded,
                std::uint32_t rate_hz) {
  Alignment best;
  const std::size_t max_lag = rate_hz / 5;
  if (source.size() <= max_lag || decoded.size() <= max_lag) return best;
  const std::size_t length = std::min(source.size(), decoded.size()) - max_lag;
  best.correlation = -2;
  for (std::size_t lag = 0; lag <= max_lag; ++lag) {
    double cross = 0, source_energy = 0, decoded_energy = 0;
    for (std::size_t i = 0; i < length; i += 2) {  // every other sample: plenty for speech
      const double s = source[i];
      const double d = decoded[i + lag];
      cross += s * d;
      source_energy += s * s;
      decoded_energy += d * d;
    }
    const double correlation = cross / std::sqrt(std::max(source_energy * decoded_energy, 1.0));
    if (correlation > best.correlation) {
      best.correlation = correlation;
      best.delay_samples = static_cast<std::uint32_t>(lag);
    }
  }
  double signal = 0, noise = 0;
  for (std::size_t i = 0; i < length; ++i) {
    const double s = source[i];
    const double e = s - decoded[i + best.delay_samples];
    signal += s * s;
    noise += e * e;
  }
  best.snr_db = 10 * std::log10(std::max(signal, 1.0) / std::max(noise, 1.0));
  return best;
}

// Connected transports (TCP) carry calls when UDP is blocked; the round trip
// here takes the preferred transport that needs no connection.
plugin::Offer first_datagram_transport(const plugin::PluginHost& host) {
  for (const auto& ranked : host.ranked(PARLEY_KIND_TRANSPORT)) {
    if (!plugin::TransportPlugin(ranked.offer).connected()) return ranked.offer;
  }
  throw std::runtime_error(
      "no usable datagram transport plugin (e.g. udp; see `parley plugins list`)");
}

std::vector<std::uint8_t> random_bytes(std::size_t size) {
  std::vector<std::uint8_t> bytes(size);
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("cannot draw random key material from OpenSSL");
  }
  return bytes;
}

}  // namespace

MediaLoopbackReport run_media_loopback(const plugin::PluginHost& host,
                                       const MediaLoopbackOptions& options) {
  MediaLoopbackReport report;
  const plugin::AudioPlugin audio(find_offer(host, PARLEY_KIND_AUDIO_DEVICE, "wav", "audio file"));
  const plugin::CodecPlugin codec(find_offer(host, PARLEY_KIND_CODEC, options.codec, "codec"));
  const plugin::CipherPlugin cipher(host.choose(PARLEY_KIND_CIPHER));
  const plugin::TransportPlugin transport(first_datagram_transport(host));
  report.audio_plugin = audio.name();
  report.codec = codec.name();
  report.cipher = cipher.name();
  report.transport = transport.name();

  if (!supports_frame(codec.info(), options.frame_ms)) {
    throw std::runtime_error("codec " + codec.name() + " does not take " +
                             std::to_string(options.frame_ms) + " ms frames");
  }
  plugin::AudioStreamRequest source_request;
  source_request.device_id = options.input_wav.string();
  source_request.direction = PARLEY_AUDIO_CAPTURE;
  auto source = audio.open(source_request);
  const auto source_format = source.format();
  if (source_format.channels != 1) throw std::runtime_error("the demo takes a mono WAV file");
  report.input_rate_hz = source_format.sample_rate_hz;
  report.codec_rate_hz = pick_codec_rate(codec.info(), report.input_rate_hz);

  parley_codec_params params{};
  params.struct_size = sizeof params;
  params.sample_rate_hz = report.codec_rate_hz;
  params.channels = 1;
  params.frame_duration_ms = options.frame_ms;
  params.complexity = -1;
  params.fec = 1;
  auto encoder = codec.make_encoder(params);
  auto decoder = codec.make_decoder(params);
  media::Resampler to_codec(1, report.input_rate_hz, report.codec_rate_hz);
  media::Resampler from_codec(1, report.codec_rate_hz, report.input_rate_hz);

  // Both ends share one fresh random key: the end-to-end key agreement that
  // will provide it in a call is the identity issue's handshake.
  const auto key = random_bytes(cipher.info().master_key_bytes);
  const auto salt = random_bytes(cipher.info().master_salt_bytes);
  auto protector = cipher.make_context(key, salt, PARLEY_CIPHER_OUTBOUND);
  auto unprotector = cipher.make_context(key, salt, PARLEY_CIPHER_INBOUND);

  auto sender = transport.bind(sdk::ipv4_loopback());
  auto receiver = transport.bind(sdk::ipv4_loopback());
  const auto receiver_address = receiver.local_address();

  plugin::AudioStreamRequest sink_request;
  sink_request.device_id = options.output_wav.string();
  sink_request.direction = PARLEY_AUDIO_PLAYBACK;
  sink_request.sample_rate_hz = report.input_rate_hz;
  sink_request.channels = 1;
  auto sink = audio.open(sink_request);
  report.output_wav = options.output_wav;

  const std::size_t source_frame = std::size_t{report.input_rate_hz} * options.frame_ms / 1000;
  const std::size_t codec_frame = std::size_t{report.codec_rate_hz} * options.frame_ms / 1000;
  const std::uint32_t rtp_step = codec.info().rtp_clock_rate_hz * options.frame_ms / 1000;
  const auto payload_type = codec.info().static_payload_type == PARLEY_RTP_PT_DYNAMIC
                                ? kDynamicPayloadType
                                : static_cast<std::uint8_t>(codec.info().static_payload_type);
  const auto ssrc_bytes = random_bytes(4);
  media::RtpHeader header;
  header.payload_type = payload_type;
  header.ssrc = std::uint32_t{ssrc_bytes[0]} << 24 | std::uint32_t{ssrc_bytes[1]} << 16 |
                std::uint32_t{ssrc_bytes[2]} << 8 | ssrc_bytes[3];

  std::vector<std::int16_t> all_source, all_decoded, frame(source_frame), pcm(codec_frame * 6);
  std::vector<std::int16_t> pending;  // resampled audio not yet a whole codec frame
  std::vector<std::uint8_t> payload(codec.info().max_payload_bytes);
  std::vector<std::uint8_t> packet(media::kRtpFixedHeaderBytes + payload.size() +
                                   cipher.rtp_overhead());
  std::vector<std::uint8_t> received(packet.size() + 64);
  Clock::duration encode_time{}, decode_time{};
  const std::size_t max_frames =
      options.max_seconds > 0
          ? static_cast<std::size_t>(options.max_seconds * 1000 / options.frame_ms)
          : SIZE_MAX;

  for (std::size_t frames_read = 0; frames_read < max_frames; ++frames_read) {
    const auto got = source.read(frame);
    if (got == 0) break;
    std::fill(frame.begin() + static_cast<std::ptrdiff_t>(got), frame.end(), std::int16_t{0});
    all_source.insert(all_source.end(), frame.begin(), frame.end());
    auto resampled = to_codec.process(frame);
    pending.insert(pending.end(), resampled.begin(), resampled.end());

    while (pending.size() >= codec_frame) {
      auto started = Clock::now();
      const auto payload_size = encoder.encode(std::span(pending).first(codec_frame), payload);
      encode_time += Clock::now() - started;
      pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(codec_frame));
      header.marker = report.packets_sent == 0;
      const auto rtp_size =
          media::write_rtp(header, std::span(payload.data(), payload_size), packet);
      header.sequence = static_cast<std::uint16_t>(header.sequence + 1);
      header.timestamp += rtp_step;
      const auto sealed = protector.protect_rtp(packet, rtp_size);
      if (!sealed.ok()) {
        throw std::runtime_error("cipher " + cipher.name() +
                                 " refused to protect: " + plugin::describe_status(sealed.status));
      }
      sender.send_to(receiver_address, std::span(packet.data(), sealed.size));
      ++report.packets_sent;
      report.payload_bytes += payload_size;
      report.wire_bytes += kIpv4HeaderBytes + transport.info().overhead_bytes + sealed.size;

      const auto arrival = receiver.receive(received, kReceiveTimeout);
      if (arrival.status != plugin::Datagram::Status::received) continue;  // lost this frame
      ++report.packets_received;
      const auto opened = unprotector.unprotect_rtp(std::span(received.data(), arrival.size));
      if (!opened.ok()) {
        ++report.packets_rejected;
        continue;
      }
      const auto rtp = media::parse_rtp(std::span(received.data(), opened.size));
      if (!rtp.packet) {
        ++report.packets_rejected;
        continue;
      }
      started = Clock::now();
      const auto samples = decoder.decode(rtp.packet->payload, false, false, pcm);
      decode_time += Clock::now() - started;
      auto restored = from_codec.process(std::span(pcm.data(), samples));
      sink.write(restored);
      all_decoded.insert(all_decoded.end(), restored.begin(), restored.end());
    }
  }

  report.audio_seconds = static_cast<double>(all_source.size()) / report.input_rate_hz;
  if (report.audio_seconds > 0) {
    report.payload_bitrate_bps =
        static_cast<double>(report.payload_bytes) * 8 / report.audio_seconds;
    report.wire_bitrate_bps = static_cast<double>(report.wire_bytes) * 8 / report.audio_seconds;
  }
  const auto seconds = [](Clock::duration d) { return std::chrono::duration<double>(d).count(); };
  report.encode_speed_x_realtime = report.audio_seconds / std::max(seconds(encode_time), 1e-9);
  report.decode_speed_x_realtime = report.audio_seconds / std::max(seconds(decode_time), 1e-9);
  const auto alignment = align(all_source, all_decoded, report.input_rate_hz);
  report.snr_db = alignment.snr_db;
  report.correlation = alignment.correlation;
  report.delay_samples = alignment.delay_samples;
  return report;
}

}  // namespace parley::api
