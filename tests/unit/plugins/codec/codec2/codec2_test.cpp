// Codec 2 through its plugin logic (no kernel): mode choice, what each mode
// keeps of speech, concealment, and malformed payloads. Codec 2 is parametric
// (it sends pitch, voicing and a spectral envelope, not the waveform), so it
// is judged on energy, spectrum and loudness contour, never on SNR.
#include <gtest/gtest.h>

#include <numbers>
#include <random>

#include "codec2_codec.hpp"
#include "codec_test_audio.hpp"

namespace {

using parley::codec2::choose_mode;
using parley::codec2::Codec2;
using parley::sdk::CodecParams;
using parley::sdk::DecodeRequest;
using parley::sdk::Error;
using namespace parley::codec_test;

constexpr const char* kModeNames[] = {"3200", "2400", "1600", "1400", "1300", "1200", "700C"};

CodecParams params_for(std::uint32_t frame_duration_ms, std::uint32_t bitrate_bps = 0,
                       std::string_view options = {}) {
  CodecParams params;
  params.sample_rate_hz = 8000;
  params.frame_duration_ms = frame_duration_ms;
  params.bitrate_bps = bitrate_bps;
  params.options = options;
  return params;
}

DecodeRequest packet(std::span<const std::uint8_t> payload) {
  DecodeRequest request;
  request.payload = payload;
  return request;
}

DecodeRequest lost() {
  DecodeRequest request;
  request.lost = true;
  return request;
}

parley_status status_of_choice(const CodecParams& params) {
  try {
    (void)choose_mode(params);
    return PARLEY_OK;
  } catch (const Error& error) {
    return error.status();
  }
}

std::size_t payload_bytes(const CodecParams& params) {
  Codec2::Encoder encoder(params);
  const std::vector<std::int16_t> pcm(params.samples_per_channel());
  std::vector<std::uint8_t> out(Codec2::info().max_payload_bytes);
  return encoder.encode(pcm, out);
}

// Loudness contour: dB of each 5 ms block, floored at 40 dB (an RMS of 100)
// so that the codec's faint noise in pauses does not count as rhythm.
std::vector<double> block_levels_db(std::span<const std::int16_t> pcm) {
  std::vector<double> levels;
  for (std::size_t at = 0; at + 40 <= pcm.size(); at += 40) {
    levels.push_back(std::max(40.0, db(mean_square(pcm.subspan(at, 40)) + 1.0)));
  }
  return levels;
}

double correlation(std::span<const double> a, std::span<const double> b) {
  const std::size_t n = std::min(a.size(), b.size());
  double mean_a = 0, mean_b = 0;
  for (std::size_t i = 0; i < n; ++i) mean_a += a[i], mean_b += b[i];
  mean_a /= static_cast<double>(n);
  mean_b /= static_cast<double>(n);
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ab += (a[i] - mean_a) * (b[i] - mean_b);
    aa += (a[i] - mean_a) * (a[i] - mean_a);
    bb += (b[i] - mean_b) * (b[i] - mean_b);
  }
  return ab / std::sqrt(aa * bb);
}

TEST(Codec2, ModeFollowsTheOptionElseTheBitrateBudget) {
  struct Case {
    std::uint32_t duration_ms;
    std::uint32_t bitrate_bps;
    std::string_view options;
    std::string_view mode;
    std::size_t bytes;  // per packet
  };
  const Case cases[] = {
      {20, 0, "", "3200", 8},
      {40, 0, "", "3200", 16},  // default: the best mode
      {20, 2400, "", "2400", 6},
      {20, 3000, "", "2400", 6},  // highest not above
      {40, 1600, "", "1600", 8},
      {40, 1400, "", "1400", 7},
      {40, 1300, "", "1300", 7},
      {40, 1250, "", "1200", 6},
      {40, 700, "", "700C", 4},
      {40, 9000, "", "3200", 16},
      {40, 0, "mode=1300", "1300", 7},
      {40, 0, "mode=700c", "700C", 4},
      {40, 700, "x=1; mode = 3200", "3200", 16},  // the option wins over the bitrate
  };
  for (const auto& c : cases) {
    const auto params = params_for(c.duration_ms, c.bitrate_bps, c.options);
    SCOPED_TRACE(std::to_string(c.duration_ms) + " ms, " + std::to_string(c.bitrate_bps) +
                 " bps, '" + std::string(c.options) + "'");
    EXPECT_EQ(choose_mode(params).name, c.mode);
    EXPECT_EQ(payload_bytes(params), c.bytes);
  }
}

TEST(Codec2, RefusesModesThatDoNotFitThePacket) {
  // 40 ms modes cannot fill 20 ms packets: refused, never silently swapped.
  EXPECT_EQ(status_of_choice(params_for(20, 0, "mode=1300")), PARLEY_ERR_UNSUPPORTED);
  EXPECT_EQ(status_of_choice(params_for(20, 1300)), PARLEY_ERR_UNSUPPORTED);
  EXPECT_EQ(status_of_choice(params_for(40, 500)), PARLEY_ERR_UNSUPPORTED);
  EXPECT_EQ(status_of_choice(params_for(40, 0, "mode=450")), PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_THROW(Codec2::Decoder(params_for(20, 0, "mode=700C")), Error);
}

TEST(Codec2, EveryModeKeepsSpeechEnergySpectrumAndRhythm) {
  const auto speech = downsample_by_2(read_speech_sample_16k());
  const double edges_hz[] = {100, 500, 1000, 2000, 3400};
  const auto in_bands = band_powers(speech, 8000, edges_hz);
  const auto in_levels = block_levels_db(speech);
  for (const auto* name : kModeNames) {
    SCOPED_TRACE(std::string("mode ") + name);
    const std::string options = std::string("mode=") + name;
    const auto result = round_trip<Codec2>(params_for(40, 0, options), speech);
    const double energy_db = db(mean_square(result.decoded) / mean_square(speech));
    report(std::string(name) + " energy change dB", energy_db);
    // Measured -1.2 (700C) to +0.9 dB (3200).
    EXPECT_NEAR(energy_db, 0.0, 3.0);
    const auto out_bands = band_powers(result.decoded, 8000, edges_hz);
    for (std::size_t band = 0; band < in_bands.size(); ++band) {
      const double change_db = db(out_bands[band] / in_bands[band]);
      report(
          std::string(name) + " band from " + std::to_string(int(edges_hz[band])) + " Hz change dB",
          change_db);
      // Measured within 2.2 dB below 1 kHz; above, the envelope models lose up
      // to 5.6 dB (1200). 8 dB still catches a lost band or a gain error.
      EXPECT_NEAR(change_db, 0.0, 8.0) << edges_hz[band] << " Hz";
    }
    // Syllables stay where they were: once the codec delay is taken out, the
    // 5 ms loudness contours of input and output correlate.
    const auto out_levels = block_levels_db(result.decoded);
    double rhythm = -1;
    std::size_t delay_blocks = 0;
    for (std::size_t shift = 0; shift <= 16; ++shift) {  // up to 80 ms
      const double r = correlation(in_levels, std::span(out_levels).subspan(shift));
      if (r > rhythm) rhythm = r, delay_blocks = shift;
    }
    report(std::string(name) + " delay ms", 5.0 * double(delay_blocks));
    report(std::string(name) + " loudness contour correlation", rhythm);
    // Measured 0.82 (700C) to 0.89 (3200); unrelated speech scores near 0.
    EXPECT_GT(rhythm, 0.75);
    EXPECT_LE(delay_blocks, 12u) << "delay above 60 ms";
  }
}

TEST(Codec2, KeepsTheHarmonicsOfAVoicedSound) {
  // A steady vowel-like sound: harmonics of 150 Hz up to 3.4 kHz, amplitude 1/k.
  std::vector<std::int16_t> vowel(8000);
  for (std::size_t i = 0; i < vowel.size(); ++i) {
    double value = 0;
    for (int k = 1; 150 * k <= 3400; ++k) {
      value +=
          6000.0 / k * std::sin(2 * std::numbers::pi * 150 * k * static_cast<double>(i) / 8000);
    }
    vowel[i] = static_cast<std::int16_t>(value);
  }
  for (const auto* name : kModeNames) {
    SCOPED_TRACE(std::string("mode ") + name);
    const std::string options = std::string("mode=") + name;
    const auto result = round_trip<Codec2>(params_for(40, 0, options), vowel);
    const auto steady_in = std::span(vowel).subspan(2000);
    const auto steady_out = std::span(result.decoded).subspan(2000);
    // The pitch is quantised, so the fundamental comes back near, not at,
    // 150 Hz: look for the strongest line between 130 and 170 Hz.
    double fundamental_hz = 0, fundamental_power = 0;
    for (int quarter_hz = 130 * 4; quarter_hz <= 170 * 4; ++quarter_hz) {
      const double hz = quarter_hz / 4.0;
      const double power = tone_power(steady_out, 8000, hz);
      if (power > fundamental_power) fundamental_power = power, fundamental_hz = hz;
    }
    const double level_db = db(fundamental_power / tone_power(steady_in, 8000, 150));
    const double energy_db = db(mean_square(steady_out) / mean_square(steady_in));
    report(std::string(name) + " fundamental Hz", fundamental_hz);
    report(std::string(name) + " fundamental level change dB", level_db);
    report(std::string(name) + " vowel energy change dB", energy_db);
    EXPECT_NEAR(fundamental_hz, 150.0, 3.0);  // measured 150.0-151.25 Hz
    // Measured +1.4 to -4.7 dB. 700C models amplitudes on a mel scale from about
    // 200 Hz up, so its 150 Hz line comes out 14.5 dB down: frequency only.
    if (std::string_view(name) != "700C") {
      EXPECT_NEAR(level_db, 0.0, 6.0);
    }
    EXPECT_NEAR(energy_db, 0.0, 4.0);  // measured -3.4 (700C) to +2.1 dB
  }
}

TEST(Codec2, ConcealmentReplaysThenFadesWithin100Milliseconds) {
  const auto params = params_for(20);
  Codec2::Decoder decoder(params);
  std::vector<std::int16_t> pcm(160);
  EXPECT_EQ(decoder.decode(lost(), pcm), 160u);
  EXPECT_EQ(mean_square(pcm), 0.0) << "nothing to replay yet: silence";

  Codec2::Encoder encoder(params);
  const auto speech = downsample_by_2(read_speech_sample_16k());
  std::vector<std::uint8_t> out(8);
  // Up to the loudest 20 ms of the first 3 s, where a loss is most audible.
  std::size_t loudest = 0;
  for (std::size_t at = 0; at + 160 <= 24000; at += 160) {
    if (mean_square(std::span(speech).subspan(at, 160)) >
        mean_square(std::span(speech).subspan(loudest, 160))) {
      loudest = at;
    }
  }
  for (std::size_t at = 0; at <= loudest; at += 160) {
    encoder.encode(std::span(speech).subspan(at, 160), out);
    decoder.decode(packet(out), pcm);
  }
  const double good = mean_square(pcm);
  ASSERT_GT(good, 1e4);
  std::vector<double> concealed_db;
  for (int f = 0; f < 6; ++f) {
    EXPECT_EQ(decoder.decode(lost(), pcm), 160u);
    concealed_db.push_back(db(mean_square(pcm) / good + 1e-12));
  }
  report("first concealed frame dB", concealed_db[0]);
  // Measured +3.5 dB: the replayed frame is not blended with its predecessor.
  EXPECT_GT(concealed_db[0], -10.0) << "the first lost frame continues the sound";
  EXPECT_LT(concealed_db[0], 6.0);
  EXPECT_LT(concealed_db[3], concealed_db[0] - 6.0) << "and fades";
  EXPECT_LT(concealed_db[5], -100.0) << "silent after 100 ms";
}

TEST(Codec2, MalformedPayloadsAreRefusedAndGarbageNeverCrashes) {
  for (const auto* name : kModeNames) {
    SCOPED_TRACE(std::string("mode ") + name);
    const std::string options = std::string("mode=") + name;
    const auto params = params_for(40, 0, options);
    Codec2::Decoder decoder(params);
    const std::size_t frame_bytes = payload_bytes(params_for(40, 0, options)) /
                                    (choose_mode(params).frame_duration_ms == 20 ? 2 : 1);
    std::vector<std::int16_t> pcm(960);  // 120 ms
    std::mt19937 random(static_cast<unsigned>(frame_bytes));
    for (int round = 0; round < 300; ++round) {
      std::vector<std::uint8_t> garbage(frame_bytes * (1 + random() % 3));
      for (auto& byte : garbage) byte = static_cast<std::uint8_t>(random());
      // Any bits are some Codec 2 frame: garbage decodes, bounded by the buffer.
      const auto samples = decoder.decode(packet(garbage), pcm);
      EXPECT_EQ(samples % 160, 0u);
      EXPECT_LE(samples, pcm.size());
    }
    for (const std::size_t size : {std::size_t{0}, frame_bytes - 1, frame_bytes + 1}) {
      const std::vector<std::uint8_t> odd(size, 0x5a);
      try {
        decoder.decode(packet(odd), pcm);
        FAIL() << size << " bytes accepted";
      } catch (const Error& error) {
        EXPECT_EQ(error.status(), PARLEY_ERR_INVALID_ARGUMENT);
      }
    }
    std::vector<std::int16_t> short_pcm(100);
    const std::vector<std::uint8_t> one_frame(frame_bytes, 0);
    EXPECT_THROW(decoder.decode(packet(one_frame), short_pcm), Error);
  }
  Codec2::Encoder encoder(params_for(40));
  std::vector<std::uint8_t> small(15);
  EXPECT_THROW(encoder.encode(std::vector<std::int16_t>(320), small), Error);
}

}  // namespace
