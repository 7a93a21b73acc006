#include "media/codec_lab.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "media/cpu_time.hpp"
#include "media/quality_metrics.hpp"
#include "media/seeded_random.hpp"

namespace parley::media {
namespace {

constexpr std::uint8_t kFirstDynamicPayloadType = 96;  // RFC 3551 section 3
constexpr std::uint32_t kLabSsrc = 0x5041524c;         // "PARL"

struct SentPacket {
  std::vector<std::uint8_t> bytes;
  std::int64_t frame_index = 0;
};

struct Delivery {
  MediaTime arrival;
  std::size_t packet;
};

std::vector<std::int16_t> to_channels(const PcmAudio& input, std::uint32_t channels) {
  if (input.channels == channels) return input.samples;
  // Only ever down to mono: codecs that take fewer channels than the file.
  std::vector<std::int16_t> mono(input.samples.size() / input.channels);
  for (std::size_t i = 0; i < mono.size(); ++i) {
    int sum = 0;
    for (std::uint32_t c = 0; c < input.channels; ++c) sum += input.samples[i * input.channels + c];
    mono[i] = static_cast<std::int16_t>(sum / static_cast<int>(input.channels));
  }
  return mono;
}

std::vector<std::int16_t> mono_of(std::span<const std::int16_t> pcm, std::uint32_t channels) {
  return to_channels(PcmAudio{{pcm.begin(), pcm.end()}, 1, channels}, 1);
}

void check_settings(const parley_codec_info& info, const CodecLabSettings& settings,
                    std::uint32_t rate_hz) {
  const std::span durations(info.frame_durations_ms, info.frame_duration_count);
  if (std::find(durations.begin(), durations.end(), settings.frame_ms) == durations.end()) {
    std::string accepted;
    for (auto ms : durations) accepted += (accepted.empty() ? "" : ", ") + std::to_string(ms);
    throw std::invalid_argument("frame of " + std::to_string(settings.frame_ms) +
                                " ms not accepted (takes " + accepted + " ms)");
  }
  const std::span rates(info.sample_rates_hz, info.sample_rate_count);
  if (std::find(rates.begin(), rates.end(), rate_hz) == rates.end()) {
    throw std::invalid_argument("codec rate " + std::to_string(rate_hz) + " Hz not accepted");
  }
}

parley_codec_params lab_params(const CodecLabSettings& settings, const CodecLabScenario& scenario,
                               std::uint32_t rate_hz, std::uint32_t channels) {
  auto params = codec_params(rate_hz, channels, settings.frame_ms);
  params.bitrate_bps = settings.bitrate_bps;
  params.complexity = settings.complexity;
  params.vbr = settings.vbr ? 1 : 0;
  params.fec = settings.fec ? 1 : 0;
  params.dtx = settings.dtx ? 1 : 0;
  // Tell an FEC encoder the loss it is up against, as RTCP feedback would in a call.
  params.expected_loss_pct = static_cast<std::uint8_t>(
      settings.fec ? std::clamp(std::ceil(scenario.network.loss_pct), 0.0, 100.0) : 0);
  return params;
}

}  // namespace

std::uint32_t choose_codec_rate(const parley_codec_info& info, std::uint32_t input_rate_hz) {
  const std::span rates(info.sample_rates_hz, info.sample_rate_count);
  if (rates.empty()) throw std::invalid_argument("codec lists no sample rate");
  for (auto rate : rates) {
    if (rate >= input_rate_hz) return rate;
  }
  return *std::max_element(rates.begin(), rates.end());
}

CodecLabResult run_codec_lab(const plugin::CodecPlugin& codec, const PcmAudio& input,
                             const CodecLabSettings& settings, const CodecLabScenario& scenario,
                             const LabProgress& progress) {
  const auto& info = codec.info();
  if (input.sample_rate_hz == 0 || input.channels == 0 || input.samples.empty()) {
    throw std::invalid_argument("no audio to run");
  }
  CodecLabResult result;
  result.codec = codec.name();
  result.codec_rate_hz = settings.codec_rate_hz != 0
                             ? settings.codec_rate_hz
                             : choose_codec_rate(info, input.sample_rate_hz);
  result.channels =
      std::clamp<std::uint32_t>(input.channels, 1, std::max<std::uint32_t>(info.max_channels, 1));
  result.frame_ms = settings.frame_ms;
  result.audio_seconds = input.seconds();
  check_settings(info, settings, result.codec_rate_hz);
  const auto params = lab_params(settings, scenario, result.codec_rate_hz, result.channels);
  const auto report = [&](double fraction) {
    if (progress) progress(std::clamp(fraction, 0.0, 1.0));
  };

  // Reproducible stream identity from the seed; sequence numbers and
  // timestamps start anywhere, so wrap-around gets exercised too.
  SeededRandom identity(scenario.network.seed ^ 0x1dc0ffee);
  // The codec's RFC 3551 number (PCMU 0, PCMA 8, GSM 3), else the first dynamic one.
  const auto payload_type = static_cast<std::uint8_t>(
      info.static_payload_type <= 127 ? info.static_payload_type : kFirstDynamicPayloadType);
  SendPathConfig send_config;
  send_config.capture_rate_hz = input.sample_rate_hz;
  send_config.codec = params;
  send_config.codec_options = settings.codec_options;
  send_config.payload_type = payload_type;
  send_config.ssrc = kLabSsrc;
  send_config.first_sequence = static_cast<std::uint16_t>(identity.next());
  send_config.first_timestamp = static_cast<std::uint32_t>(identity.next());
  send_config.processing = settings.processing;

  // 1. Send: the whole clip, in capture frames, plus one frame of silence to flush.
  const auto audio = to_channels(input, result.channels);
  const std::size_t capture_frame =
      std::size_t{input.sample_rate_hz} * settings.frame_ms / 1000 * result.channels;
  std::vector<std::int16_t> padded = audio;
  padded.resize((padded.size() / capture_frame + 2) * capture_frame, 0);
  std::vector<SentPacket> packets;
  const auto timestamp_increment = info.rtp_clock_rate_hz * settings.frame_ms / 1000;
  const double encode_start = thread_cpu_seconds();
  SendPath send(codec, send_config);
  for (std::size_t offset = 0; offset < padded.size(); offset += capture_frame) {
    send.push_capture(
        std::span(padded).subspan(offset, capture_frame), [&](std::span<const std::uint8_t> bytes) {
          const auto view = parse_rtp(bytes);
          const std::uint32_t ticks = view.packet->header.timestamp - send_config.first_timestamp;
          packets.push_back({{bytes.begin(), bytes.end()}, ticks / timestamp_increment});
        });
    if (offset % (capture_frame * 250) == 0)
      report(0.4 * static_cast<double>(offset) / static_cast<double>(padded.size()));
  }
  const double encode_cpu = thread_cpu_seconds() - encode_start;
  result.send = send.stats();
  result.frames_sent = result.send.frames_encoded + result.send.encode_errors;
  const auto frame_count = static_cast<std::int64_t>(result.frames_sent);

  // 2. The network: when (and whether) each packet arrives.
  NetworkModel network(scenario.network);
  const MediaTime frame_duration = std::chrono::milliseconds(settings.frame_ms);
  std::vector<Delivery> deliveries;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    for (auto arrival : network.send(frame_duration * packets[i].frame_index))
      deliveries.push_back({arrival, i});
  }
  std::stable_sort(deliveries.begin(), deliveries.end(),
                   [](const Delivery& a, const Delivery& b) { return a.arrival < b.arrival; });
  result.network = network.stats();

  // 3. Receive on the receiver's own clock, frame by frame.
  ReceivePathConfig receive_config;
  receive_config.playback_rate_hz = input.sample_rate_hz;
  receive_config.codec = params;
  receive_config.codec_options = settings.codec_options;
  receive_config.payload_type = payload_type;
  receive_config.jitter = scenario.jitter;
  const std::size_t codec_frame =
      std::size_t{result.codec_rate_hz} * settings.frame_ms / 1000 * result.channels;
  std::vector<std::int16_t> heard(static_cast<std::size_t>(frame_count) * codec_frame, 0);
  std::vector<bool> frame_lost(static_cast<std::size_t>(frame_count), false);
  std::vector<bool> frame_sent(static_cast<std::size_t>(frame_count), false);
  for (const auto& packet : packets) {
    if (packet.frame_index < frame_count)
      frame_sent[static_cast<std::size_t>(packet.frame_index)] = true;
  }

  const double decode_start = thread_cpu_seconds();
  ReceivePath receive(codec, receive_config);
  const MediaClock playback_clock(MediaTime{0}, frame_duration, scenario.receiver_clock_ppm);
  std::size_t next_delivery = 0;
  std::int64_t expected_index = 0;
  // Enough pulls to play every frame through the largest delay, with room for skew.
  const std::int64_t pull_limit =
      frame_count * 2 +
      static_cast<std::int64_t>((scenario.network.delay_ms + scenario.jitter.max_delay_ms +
                                 10 * scenario.network.jitter_ms +
                                 scenario.network.reorder_extra_ms) /
                                settings.frame_ms) +
      100;
  for (std::int64_t pull = 0; pull < pull_limit; ++pull) {
    const MediaTime now = playback_clock.deadline(pull);
    for (; next_delivery < deliveries.size() && deliveries[next_delivery].arrival <= now;
         ++next_delivery) {
      receive.push_packet(packets[deliveries[next_delivery].packet].bytes,
                          deliveries[next_delivery].arrival);
    }
    const auto played = receive.pull_frame(now);
    result.decoded.insert(result.decoded.end(), played.begin(), played.end());
    const auto& decision = receive.last_decision();
    if (decision.frame_index >= 0) {
      // Frames the buffer skipped were never heard.
      for (; expected_index < decision.frame_index && expected_index < frame_count;
           ++expected_index) {
        frame_lost[static_cast<std::size_t>(expected_index)] =
            frame_sent[static_cast<std::size_t>(expected_index)];
      }
      if (decision.frame_index < frame_count) {
        const auto index = static_cast<std::size_t>(decision.frame_index);
        const auto frame = receive.last_codec_frame();
        std::copy(frame.begin(), frame.end(),
                  heard.begin() + static_cast<std::ptrdiff_t>(index * codec_frame));
        // A concealed frame the sender never sent is DTX silence, not a loss.
        frame_lost[index] = decision.action == PlayoutAction::conceal && frame_sent[index];
      }
      expected_index = std::max(expected_index, decision.frame_index + 1);
    }
    if (pull % 250 == 0)
      report(0.4 + 0.5 * static_cast<double>(pull) / static_cast<double>(frame_count));
    if (next_delivery == deliveries.size() &&
        receive.jitter_buffer().next_frame_index() >= frame_count)
      break;
  }
  const double decode_cpu = thread_cpu_seconds() - decode_start;
  // Frames never reached (the stream ended, or everything was lost) were not heard either.
  for (; expected_index < frame_count; ++expected_index) {
    frame_lost[static_cast<std::size_t>(expected_index)] =
        frame_sent[static_cast<std::size_t>(expected_index)];
  }
  result.receive = receive.stats();

  // 4. The clean decode: every packet, in order, no network.
  std::vector<std::int16_t> clean(heard.size(), 0);
  {
    FrameDecoder decoder(codec, [&] {
      auto p = params;
      p.options = {settings.codec_options.data(), settings.codec_options.size()};
      return p;
    }());
    std::size_t next_packet = 0;
    for (std::int64_t index = 0; index < frame_count; ++index) {
      std::span<const std::int16_t> frame;
      if (next_packet < packets.size() && packets[next_packet].frame_index == index) {
        const auto view = parse_rtp(packets[next_packet++].bytes);
        frame = decoder.decode(view.packet->payload);
      } else {
        frame = decoder.conceal();
      }
      std::copy(frame.begin(), frame.end(),
                clean.begin() +
                    static_cast<std::ptrdiff_t>(index) * static_cast<std::ptrdiff_t>(codec_frame));
    }
  }
  report(0.95);

  // 5. Figures.
  const double seconds = result.audio_seconds;
  std::uint64_t wire_bytes = 0;
  result.overhead_bytes_per_packet = kUdpHeaderBytes + kIpv4HeaderBytes + scenario.cipher_tag_bytes;
  for (const auto& packet : packets)
    wire_bytes += packet.bytes.size() + result.overhead_bytes_per_packet;
  result.overhead_bytes_per_packet += kRtpHeaderBytes;
  result.payload_bitrate_bps = 8.0 * static_cast<double>(result.send.payload_bytes) / seconds;
  result.wire_bitrate_bps = 8.0 * static_cast<double>(wire_bytes) / seconds;
  result.packets_per_second = static_cast<double>(packets.size()) / seconds;
  result.encode_speed_x = encode_cpu > 0 ? seconds / encode_cpu : 0;
  result.decode_speed_x = decode_cpu > 0 ? seconds / decode_cpu : 0;

  result.frames_lost_heard =
      static_cast<std::uint64_t>(std::count(frame_lost.begin(), frame_lost.end(), true));
  result.loss_heard_pct = frame_count == 0 ? 0
                                           : 100.0 * static_cast<double>(result.frames_lost_heard) /
                                                 static_cast<double>(frame_count);
  result.burst_ratio = burst_ratio(frame_lost);

  const auto clean_mono = mono_of(clean, result.channels);
  const auto heard_mono = mono_of(heard, result.channels);
  result.snrseg_db = segmental_snr_db(clean_mono, heard_mono, result.codec_rate_hz);
  result.lsd_db = log_spectral_distance_db(clean_mono, heard_mono, result.codec_rate_hz);

  // The codec's own fidelity: its clean decode back at the input rate, lined
  // up with the input by cross-correlation (codec and resampler delays).
  std::vector<std::int16_t> clean_at_input = clean_mono;
  if (result.codec_rate_hz != input.sample_rate_hz) {
    Resampler back(1, result.codec_rate_hz, input.sample_rate_hz);
    clean_at_input = back.process(clean_mono);
  }
  const auto original_mono = mono_of(audio, result.channels);
  result.codec_delay_samples = alignment_lag(original_mono, clean_at_input,
                                             input.sample_rate_hz / 10,  // 100 ms
                                             std::size_t{input.sample_rate_hz} * 4);
  const auto lag = std::clamp<std::int64_t>(result.codec_delay_samples, 0,
                                            static_cast<std::int64_t>(clean_at_input.size()));
  QualityOptions in_band;
  // 90% of the narrower Nyquist: the resamplers' transition bands are not the codec's doing.
  in_band.max_frequency_hz = 0.45 * std::min(result.codec_rate_hz, input.sample_rate_hz);
  result.lsd_vs_original_db = log_spectral_distance_db(
      original_mono, std::span(clean_at_input).subspan(static_cast<std::size_t>(lag)),
      input.sample_rate_hz, in_band);

  const bool concealment =
      (info.capabilities & PARLEY_CODEC_CAP_PLC) != 0 || result.receive.kernel_concealment;
  result.impairment = codec_impairment(
      codec.name(), std::string_view(info.rtp_encoding_name.data, info.rtp_encoding_name.size),
      concealment);
  result.one_way_delay_ms = result.network.min_delay_ms + result.receive.jitter.mean_delay_ms +
                            settings.frame_ms + result.impairment.lookahead_ms;
  result.e_model = e_model({result.one_way_delay_ms, result.impairment.ie, result.impairment.bpl,
                            result.loss_heard_pct, result.burst_ratio});
  report(1.0);
  return result;
}

}  // namespace parley::media
