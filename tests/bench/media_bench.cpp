// Cost of a call's media through Parley's pipeline (send path: packetize;
// jitter buffer; receive path: decode, all through the Opus plugin) against
// raw libopus encode+decode of the same audio with the same settings, in the
// same run. Figures are thread CPU time per second of call audio; each is the
// best of several rounds (the least disturbed on a shared machine).
#include <opus.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "media/cpu_time.hpp"
#include "media/receive_path.hpp"
#include "media/send_path.hpp"
#include "plugin/audio_plugin.hpp"
#include "plugin/codec_plugin.hpp"
#include "plugin/plugin_loader.hpp"

namespace {

using parley::media::thread_cpu_seconds;
constexpr std::uint32_t kRateHz = 16000;
constexpr std::uint32_t kFrameMs = 20;
constexpr std::size_t kFrame = kRateHz * kFrameMs / 1000;
constexpr int kRounds = 5;

parley::plugin::PluginRecord load(const char* path) {
  auto record = parley::plugin::load_plugin(path);
  if (!record.loaded) {
    std::fprintf(stderr, "media_bench: cannot load %s: %s\n", path, record.reason.c_str());
    std::exit(1);
  }
  return record;
}

std::vector<std::int16_t> read_sample(const parley::plugin::PluginRecord& wav_record) {
  const parley::plugin::AudioPlugin wav({&wav_record, &wav_record.interfaces[0]});
  parley::plugin::AudioStreamRequest request;
  request.device_id = PARLEY_MEDIA_BENCH_SAMPLE;
  request.sample_rate_hz = kRateHz;
  request.channels = 1;
  request.frame_samples = 4096;
  auto stream = wav.open(request);
  std::vector<std::int16_t> audio, block(4096);
  while (const auto got = stream.read(block))
    audio.insert(audio.end(), block.begin(), block.begin() + static_cast<std::ptrdiff_t>(got));
  return audio;
}

// CPU seconds per second of audio: raw libopus, as the plugin configures it
// (VoIP application, automatic bitrate, VBR, no FEC, no DTX, default complexity).
double raw_libopus(const std::vector<std::int16_t>& audio) {
  int error = 0;
  OpusEncoder* encoder = opus_encoder_create(kRateHz, 1, OPUS_APPLICATION_VOIP, &error);
  OpusDecoder* decoder = opus_decoder_create(kRateHz, 1, &error);
  opus_encoder_ctl(encoder, OPUS_SET_BITRATE(OPUS_AUTO));
  opus_encoder_ctl(encoder, OPUS_SET_VBR(1));
  opus_encoder_ctl(encoder, OPUS_SET_INBAND_FEC(0));
  opus_encoder_ctl(encoder, OPUS_SET_PACKET_LOSS_PERC(0));
  opus_encoder_ctl(encoder, OPUS_SET_DTX(0));
  std::vector<unsigned char> packet(4000);
  std::vector<std::int16_t> pcm(kFrame * 6);
  volatile int sink = 0;
  const double start = thread_cpu_seconds();
  for (std::size_t offset = 0; offset + kFrame <= audio.size(); offset += kFrame) {
    const int size = opus_encode(encoder, audio.data() + offset, kFrame, packet.data(), 4000);
    sink = sink + opus_decode(decoder, packet.data(), size, pcm.data(), kFrame * 6, 0);
  }
  const double cpu = thread_cpu_seconds() - start;
  opus_encoder_destroy(encoder);
  opus_decoder_destroy(decoder);
  return cpu / (static_cast<double>(audio.size()) / kRateHz);
}

struct PipelineOptions {
  bool noise_suppression = false;
};

// The same audio through SendPath -> bytes -> ReceivePath, one frame per
// simulated 20 ms (no sleeps, no network).
double pipeline(const parley::plugin::CodecPlugin& opus, const std::vector<std::int16_t>& audio,
                const PipelineOptions& options, parley::media::ReceivePathStats* stats) {
  using namespace parley::media;
  SendPathConfig send_config;
  send_config.capture_rate_hz = kRateHz;
  send_config.codec = codec_params(kRateHz, 1, kFrameMs);
  send_config.payload_type = 111;
  send_config.processing.noise_suppression = options.noise_suppression;
  ReceivePathConfig receive_config;
  receive_config.playback_rate_hz = kRateHz;
  receive_config.codec = send_config.codec;
  receive_config.payload_type = 111;
  volatile std::int16_t sink = 0;
  const double start = thread_cpu_seconds();
  SendPath send(opus, send_config);
  ReceivePath receive(opus, receive_config);
  MediaTime now{0};
  const auto deliver = [&](std::span<const std::uint8_t> packet) {
    receive.push_packet(packet, now);
  };
  for (std::size_t offset = 0; offset + kFrame <= audio.size(); offset += kFrame) {
    send.push_capture(std::span(audio).subspan(offset, kFrame), deliver);
    sink = sink + receive.pull_frame(now)[0];
    now += std::chrono::milliseconds(kFrameMs);
  }
  const double cpu = thread_cpu_seconds() - start;
  if (stats != nullptr) *stats = receive.stats();
  return cpu / (static_cast<double>(audio.size()) / kRateHz);
}

}  // namespace

int main(int argc, char** argv) {
  bool as_json = false;
  int seconds = 60;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--json") == 0) as_json = true;
    if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
      seconds = std::max(1, std::atoi(argv[++i]));
  }
  const auto opus_record = load(PARLEY_MEDIA_BENCH_OPUS_PLUGIN);
  const auto wav_record = load(PARLEY_MEDIA_BENCH_WAV_PLUGIN);
  const parley::plugin::CodecPlugin opus({&opus_record, &opus_record.interfaces[0]});
  const auto clip = read_sample(wav_record);
  std::vector<std::int16_t> audio;
  while (audio.size() < std::size_t{kRateHz} * static_cast<std::size_t>(seconds))
    audio.insert(audio.end(), clip.begin(), clip.end());
  audio.resize(std::size_t{kRateHz} * static_cast<std::size_t>(seconds));

  double raw = 1e300, plain = 1e300, with_ns = 1e300;
  parley::media::ReceivePathStats stats;
  for (int round = 0; round < kRounds;
       ++round) {  // interleaved, so drift in machine load hits all alike
    raw = std::min(raw, raw_libopus(audio));
    plain = std::min(plain, pipeline(opus, audio, {}, &stats));
    with_ns = std::min(with_ns, pipeline(opus, audio, {true}, nullptr));
  }
  std::printf("Opus %u kHz mono, %u ms frames, %d s of speech, best of %d rounds (thread CPU)\n",
              kRateHz / 1000, kFrameMs, seconds, kRounds);
  std::printf("%-46s %12s %9s %14s\n", "WORK PER CALL-SECOND", "CPU ms", "RATIO", "STREAMS/CORE");
  const auto row = [&](const char* label, double cpu) {
    std::printf("%-46s %12.3f %8.2fx %14.0f\n", label, cpu * 1000, cpu / raw, 1 / cpu);
  };
  row("raw libopus encode+decode", raw);
  row("pipeline (send path, jitter buffer, receive)", plain);
  row("pipeline + noise suppression", with_ns);
  std::printf(
      "target: pipeline within 1.20x of raw libopus: %s (%.2fx); frames played %llu, concealed "
      "%llu\n",
      plain / raw <= 1.2 ? "met" : "MISSED", plain / raw,
      static_cast<unsigned long long>(stats.jitter.frames_played),
      static_cast<unsigned long long>(stats.jitter.frames_concealed));
  if (as_json) {
    const nlohmann::json out = {{"raw_libopus_cpu_ms_per_call_second", raw * 1000},
                                {"pipeline_cpu_ms_per_call_second", plain * 1000},
                                {"pipeline_ns_cpu_ms_per_call_second", with_ns * 1000},
                                {"ratio", plain / raw},
                                {"streams_per_core_pipeline", 1 / plain},
                                {"streams_per_core_raw", 1 / raw}};
    std::printf("%s\n", out.dump(2).c_str());
  }
  return 0;
}
