// Fuzzes the receive side of a call, the part the network feeds: arbitrary
// bytes become a timed sequence of packets through parse_rtp, the jitter
// buffer and a real decoder: the G.711 and Opus plugins behind the kernel's
// CodecPlugin wrapper. The plugins are linked in under their own entry symbols
// (PARLEY_STATIC_PLUGIN_SYMBOL, as an enterprise static build does), so
// libFuzzer sees their code and clang's static sanitizer runtime serves them.
// Invariants beyond "no crash": every pull yields exactly one frame, and the
// buffer never holds more than its bound.
//
// Input: byte 0 picks the setup (bits 0-1: pcmu, opus, opus with FEC, pcmu
// played at 48 kHz; bits 2-3: 20, 10, 40 or 60 ms frames). Then records of
// [flags][advance_ms][length][length bytes]: the receiver's clock moves on by
// advance_ms (pulling every frame due), then the packet arrives. With flags
// bit 0 the first 6 bytes are sequence (2) and timestamp (4) and a valid RTP
// header is built around the rest (bit 1: another SSRC); otherwise the bytes
// are the whole packet.
//
// Built with -DPARLEY_LIBFUZZER and -fsanitize=fuzzer it is a libFuzzer target;
// without, replay_main.hpp makes it a program replaying files and directories.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <vector>

#include "media/receive_path.hpp"
#include "replay_main.hpp"

extern "C" const parley_plugin_descriptor* parley_fuzz_entry_g711(const parley_host_api* host);
extern "C" const parley_plugin_descriptor* parley_fuzz_entry_opus(const parley_host_api* host);

namespace {

using namespace parley;

void ignore_log(parley_log_level, parley_str, parley_str) {}
std::uint64_t no_clock() {
  return 0;
}

// What the loader records for a plugin file, from a linked-in descriptor.
plugin::PluginRecord record_of(parley_plugin_entry_fn entry) {
  static const parley_host_api host{
      sizeof(parley_host_api), PARLEY_ABI_VERSION, {"fuzz", 4}, &ignore_log, &no_clock};
  const auto* descriptor = entry(&host);
  if (descriptor == nullptr || descriptor->interface_count == 0) std::abort();  // a broken build
  plugin::PluginRecord record;
  record.loaded = true;
  record.id.assign(descriptor->id.data, descriptor->id.size);
  for (std::uint32_t i = 0; i < descriptor->interface_count; ++i) {
    const auto& c = descriptor->interfaces[i];
    const auto* api = static_cast<const parley_codec_api*>(c.get_api());
    if (api == nullptr) std::abort();
    record.interfaces.push_back({static_cast<parley_kind>(c.kind),
                                 std::string(c.name.data, c.name.size), c.major, c.minor, c.score,
                                 api, api->struct_size});
  }
  return record;
}

struct Codecs {
  plugin::PluginRecord g711 = record_of(&parley_fuzz_entry_g711);  // pcmu first
  plugin::PluginRecord opus = record_of(&parley_fuzz_entry_opus);
};

const Codecs& codecs() {
  static const Codecs linked;
  return linked;
}

void require(bool invariant) {
  if (!invariant) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t setup = data[0];
  const int codec_choice = setup & 3;
  const std::uint32_t frame_ms = std::array<std::uint32_t, 4>{20, 10, 40, 60}[(setup >> 2) & 3];
  const bool opus = codec_choice == 1 || codec_choice == 2;
  const auto& record = opus ? codecs().opus : codecs().g711;
  const plugin::CodecPlugin codec({&record, &record.interfaces[0]});  // opus, or pcmu

  media::ReceivePathConfig config;
  const std::uint32_t codec_rate = opus ? 48000 : 8000;
  config.codec = media::codec_params(codec_rate, 1, frame_ms);
  config.codec.fec = codec_choice == 2 ? 1 : 0;
  config.playback_rate_hz = codec_choice == 3 ? 48000 : codec_rate;
  config.payload_type = 96;
  config.jitter.max_delay_ms = 200;
  media::ReceivePath receive(codec, config);
  const std::size_t frame_samples = std::size_t{config.playback_rate_hz} * frame_ms / 1000;
  const std::size_t max_buffered = 2 * (200 / frame_ms + 1) + 4;

  media::MediaTime now{0};
  std::int64_t pulled = 0;
  const media::MediaClock clock(media::MediaTime{0}, std::chrono::milliseconds(frame_ms));
  const auto pull_until = [&](media::MediaTime until) {
    for (; clock.deadline(pulled) <= until; ++pulled) {
      require(receive.pull_frame(clock.deadline(pulled)).size() == frame_samples);
    }
    require(receive.stats().jitter.buffered_packets <= max_buffered);
  };

  std::vector<std::uint8_t> packet;
  std::size_t at = 1;
  while (at + 3 <= size) {
    const std::uint8_t flags = data[at];
    now += std::chrono::milliseconds(data[at + 1]);
    const std::size_t length = std::min<std::size_t>(data[at + 2], size - at - 3);
    const std::span<const std::uint8_t> body(data + at + 3, length);
    at += 3 + length;
    pull_until(now);
    if ((flags & 1) != 0 && body.size() >= 6) {
      media::RtpHeader header;
      header.payload_type = 96;
      header.sequence = static_cast<std::uint16_t>(body[0] << 8 | body[1]);
      header.timestamp = std::uint32_t{body[2]} << 24 | std::uint32_t{body[3]} << 16 |
                         std::uint32_t{body[4]} << 8 | body[5];
      header.ssrc = (flags & 2) != 0 ? 0xbadc0de : 0x5041524c;
      packet.resize(media::kRtpFixedHeaderBytes + body.size() - 6);
      require(media::write_rtp(header, body.subspan(6), packet) == packet.size());
      receive.push_packet(packet, now);
    } else {
      receive.push_packet(body, now);
    }
  }
  pull_until(now + std::chrono::seconds(1));  // drain what is buffered
  return 0;
}
