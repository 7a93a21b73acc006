#include "codec2_codec.hpp"

#include <codec2/codec2.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>

namespace parley::codec2 {
namespace {

using sdk::Error;

// Highest rate first, so "the highest mode not above" is the first that fits.
constexpr std::array<Mode, 7> kModes{{
    {CODEC2_MODE_3200, 3200, "3200", 20},
    {CODEC2_MODE_2400, 2400, "2400", 20},
    {CODEC2_MODE_1600, 1600, "1600", 40},
    {CODEC2_MODE_1400, 1400, "1400", 40},
    {CODEC2_MODE_1300, 1300, "1300", 40},
    {CODEC2_MODE_1200, 1200, "1200", 40},
    {CODEC2_MODE_700C, 700, "700C", 40},
}};
constexpr std::size_t kMaxFrameSamples = 320;   // 40 ms at 8 kHz
constexpr std::size_t kMuteAfterSamples = 800;  // 100 ms: longer replays of one frame drone

// Value of `key` in a "key=value;key=value" options string; unknown keys are
// ignored, as SDP does with unknown fmtp parameters.
std::optional<std::string_view> option(std::string_view options, std::string_view key) {
  constexpr std::string_view kSpace = " \t";
  auto trim = [&](std::string_view text) {
    const auto first = text.find_first_not_of(kSpace);
    if (first == std::string_view::npos) return std::string_view{};
    return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
  };
  while (!options.empty()) {
    const auto end = std::min(options.find(';'), options.size());
    const auto item = options.substr(0, end);
    options.remove_prefix(std::min(end + 1, options.size()));
    const auto equals = item.find('=');
    if (equals != std::string_view::npos && trim(item.substr(0, equals)) == key) {
      return trim(item.substr(equals + 1));
    }
  }
  return std::nullopt;
}

bool same_name(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::toupper(static_cast<unsigned char>(x)) ==
           std::toupper(static_cast<unsigned char>(y));
  });
}

bool fits(const Mode& mode, std::uint32_t packet_duration_ms) {
  return packet_duration_ms != 0 && packet_duration_ms % mode.frame_duration_ms == 0;
}

CODEC2* create(const Mode& mode) {
  CODEC2* state = codec2_create(mode.library_id);
  if (state == nullptr) {
    throw Error(PARLEY_ERR_UNSUPPORTED,
                "codec2: mode " + std::string(mode.name) + " not built into libcodec2");
  }
  return state;
}

}  // namespace

const Mode& choose_mode(const sdk::CodecParams& params) {
  const auto duration_ms = params.frame_duration_ms;
  if (const auto name = option(params.options, "mode")) {
    const auto named = std::find_if(kModes.begin(), kModes.end(),
                                    [&](const Mode& mode) { return same_name(mode.name, *name); });
    if (named == kModes.end()) {
      throw Error(PARLEY_ERR_INVALID_ARGUMENT, "codec2: unknown mode " + std::string(*name));
    }
    if (!fits(*named, duration_ms)) {
      throw Error(PARLEY_ERR_UNSUPPORTED, "codec2: mode " + std::string(named->name) + " needs " +
                                              std::to_string(named->frame_duration_ms) +
                                              " ms packets");
    }
    return *named;
  }
  const auto budget_bps = params.bitrate_bps == 0 ? kModes.front().bitrate_bps : params.bitrate_bps;
  const auto chosen = std::find_if(kModes.begin(), kModes.end(), [&](const Mode& mode) {
    return mode.bitrate_bps <= budget_bps && fits(mode, duration_ms);
  });
  if (chosen == kModes.end()) {
    throw Error(PARLEY_ERR_UNSUPPORTED, "codec2: no mode within " + std::to_string(budget_bps) +
                                            " bit/s for " + std::to_string(duration_ms) +
                                            " ms packets");
  }
  return *chosen;
}

sdk::CodecInfo Codec2::info() {
  sdk::CodecInfo info;
  info.rtp_encoding_name = "codec2";
  info.rtp_clock_rate_hz = 8000;
  info.static_payload_type = PARLEY_RTP_PT_DYNAMIC;
  info.sample_rates_hz = {8000};
  info.max_channels = 1;
  info.frame_durations_ms = {20, 40};  // 40 ms carries two 3200/2400 frames
  info.capabilities = PARLEY_CODEC_CAP_PLC | PARLEY_CODEC_CAP_BITRATE;
  info.min_bitrate_bps = kModes.back().bitrate_bps;
  info.max_bitrate_bps = kModes.front().bitrate_bps;
  info.max_payload_bytes = 16;  // 40 ms at 3200 bit/s
  return info;
}

void Codec2::Release::operator()(CODEC2* state) const {
  codec2_destroy(state);
}

Codec2::Encoder::Encoder(const sdk::CodecParams& params)
    : state_(create(choose_mode(params))),
      frame_samples_(static_cast<std::size_t>(codec2_samples_per_frame(state_.get()))),
      frame_bytes_(static_cast<std::size_t>(codec2_bytes_per_frame(state_.get()))) {}

std::size_t Codec2::Encoder::encode(std::span<const std::int16_t> pcm,
                                    std::span<std::uint8_t> out) {
  const std::size_t frames = pcm.size() / frame_samples_;
  if (out.size() < frames * frame_bytes_) {
    throw Error(PARLEY_ERR_BUFFER_TOO_SMALL, "codec2: output holds fewer than the frames");
  }
  std::array<short, kMaxFrameSamples> speech{};  // libcodec2 takes its input non-const
  for (std::size_t f = 0; f < frames; ++f) {
    std::copy_n(pcm.begin() + static_cast<std::ptrdiff_t>(f * frame_samples_), frame_samples_,
                speech.begin());
    codec2_encode(state_.get(), out.data() + f * frame_bytes_, speech.data());
  }
  return frames * frame_bytes_;
}

Codec2::Decoder::Decoder(const sdk::CodecParams& params)
    : state_(create(choose_mode(params))),
      frame_samples_(static_cast<std::size_t>(codec2_samples_per_frame(state_.get()))),
      frame_bytes_(static_cast<std::size_t>(codec2_bytes_per_frame(state_.get()))),
      frames_per_packet_(params.samples_per_channel() / frame_samples_) {}

std::size_t Codec2::Decoder::decode(const sdk::DecodeRequest& request,
                                    std::span<std::int16_t> pcm) {
  const bool concealing = request.lost || request.fec;  // Codec 2 has no FEC
  if (!concealing && (request.payload.empty() || request.payload.size() % frame_bytes_ != 0)) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT, "codec2: payload is not whole frames of this mode");
  }
  const std::size_t frames =
      concealing ? frames_per_packet_ : request.payload.size() / frame_bytes_;
  if (frames * frame_samples_ > pcm.size()) {
    throw Error(PARLEY_ERR_BUFFER_TOO_SMALL, "codec2: output shorter than the payload");
  }
  for (std::size_t f = 0; f < frames; ++f) {
    const auto out = pcm.subspan(f * frame_samples_, frame_samples_);
    if (concealing) {
      conceal(out);
      continue;
    }
    last_good_frame_.assign(
        request.payload.begin() + static_cast<std::ptrdiff_t>(f * frame_bytes_),
        request.payload.begin() + static_cast<std::ptrdiff_t>((f + 1) * frame_bytes_));
    codec2_decode(state_.get(), out.data(), last_good_frame_.data());
    concealed_samples_ = 0;
  }
  return frames * frame_samples_;
}

void Codec2::Decoder::conceal(std::span<std::int16_t> pcm) {
  if (last_good_frame_.empty() || concealed_samples_ >= kMuteAfterSamples) {
    std::fill(pcm.begin(), pcm.end(), std::int16_t{0});
    return;
  }
  // Replaying the frame keeps the decoder's phase and spectral state moving,
  // so the next good frame joins without a click; a linear fade hides the drone.
  codec2_decode(state_.get(), pcm.data(), last_good_frame_.data());
  for (auto& sample : pcm) {
    const double gain = 1.0 - static_cast<double>(std::min(concealed_samples_, kMuteAfterSamples)) /
                                  kMuteAfterSamples;
    sample = static_cast<std::int16_t>(sample * gain);
    ++concealed_samples_;
  }
}

}  // namespace parley::codec2
