// GSM 06.10 through its plugin logic (no kernel): what it keeps of tones and
// speech, framing, concealment and muting, and malformed payloads.
#include <gtest/gtest.h>

#include <random>

#include "codec_test_audio.hpp"
#include "gsm_codec.hpp"

namespace {

using parley::gsm_fr::GsmFullRate;
using parley::gsm_fr::kFrameBytes;
using parley::gsm_fr::kFrameSamples;
using parley::sdk::CodecParams;
using parley::sdk::DecodeRequest;
using parley::sdk::Error;
using namespace parley::codec_test;

CodecParams params_for(std::uint32_t frame_duration_ms = 20) {
  CodecParams params;
  params.sample_rate_hz = 8000;
  params.frame_duration_ms = frame_duration_ms;
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

parley_status status_of(GsmFullRate::Decoder& decoder, std::span<const std::uint8_t> payload) {
  std::vector<std::int16_t> pcm(kFrameSamples * 6);
  try {
    decoder.decode(packet(payload), pcm);
    return PARLEY_OK;
  } catch (const Error& error) {
    return error.status();
  }
}

constexpr Tone kTones[] = {{440, 8000}, {1000, 4000}};

TEST(Gsm, ToneLevelsSurviveARoundTrip) {
  // One tone at a time: GSM's regular-pulse excitation keeps the strongest
  // components of a mixture (a 2.5 kHz tone 12 dB under a 440 Hz one comes out
  // 19 dB down), which says more about RPE-LTP than about this plugin.
  for (const double frequency_hz : {300.0, 1000.0, 1800.0, 2500.0, 3000.0}) {
    const Tone tone[] = {{frequency_hz, 8000}};
    const auto input = tones(8000, 8000, tone);
    const auto result = round_trip<GsmFullRate>(params_for(), input);
    const auto steady_in = std::span(input).subspan(1600);  // after 200 ms
    const auto steady_out = std::span(result.decoded).subspan(1600);
    const double change_db =
        db(tone_power(steady_out, 8000, frequency_hz) / tone_power(steady_in, 8000, frequency_hz));
    report("tone " + std::to_string(int(frequency_hz)) + " Hz change dB", change_db);
    // Measured within 0.2 dB; 1 dB catches gain or filtering errors.
    EXPECT_NEAR(change_db, 0.0, 1.0) << frequency_hz << " Hz";
    // Everything else is coding noise: 300 Hz off the tone, measured 70 dB or more down.
    const double off_tone_hz = frequency_hz > 2000 ? frequency_hz - 300 : frequency_hz + 300;
    const double noise_db =
        db(tone_power(steady_out, 8000, off_tone_hz) / tone_power(steady_in, 8000, frequency_hz));
    report("tone " + std::to_string(int(frequency_hz)) + " Hz, 300 Hz off dB", noise_db);
    EXPECT_LT(noise_db, -40.0);
  }
}

TEST(Gsm, SpeechKeepsItsSpectrumAndWaveform) {
  const auto speech = downsample_by_2(read_speech_sample_16k());
  const auto result = round_trip<GsmFullRate>(params_for(), speech);
  const double edges_hz[] = {100, 500, 1000, 2000, 3400};
  const auto in = band_powers(speech, 8000, edges_hz);
  const auto out = band_powers(result.decoded, 8000, edges_hz);
  for (std::size_t band = 0; band < in.size(); ++band) {
    const double change_db = db(out[band] / in[band]);
    report("band from " + std::to_string(int(edges_hz[band])) + " Hz change dB", change_db);
    // Measured within 1.2 dB below 2 kHz and -4.0 dB for 2-3.4 kHz, GSM full
    // rate's known weakness up there; 6 dB still catches a lost band.
    EXPECT_NEAR(change_db, 0.0, edges_hz[band] < 2000 ? 2.0 : 6.0) << edges_hz[band] << " Hz";
  }
  const auto excerpt = std::span(speech).subspan(8000, 8000);
  const auto lag = best_lag(excerpt, std::span(result.decoded).subspan(8000), 400);
  const double snr = snr_db(excerpt, std::span(result.decoded).subspan(8000 + lag));
  report("delay samples", double(lag));
  report("aligned snr dB", snr);
  // RPE-LTP is a waveform coder with no lookahead: measured 11.6 dB at lag 0.
  EXPECT_EQ(lag, 0u);
  EXPECT_GT(snr, 8.0);
}

TEST(Gsm, FramesAreThirtyThreeSignedBytesPerTwentyMilliseconds) {
  for (const std::uint32_t duration_ms : {20u, 40u, 60u}) {
    const auto params = params_for(duration_ms);
    GsmFullRate::Encoder encoder(params);
    const auto input = tones(8000, params.samples_per_channel(), kTones);
    std::vector<std::uint8_t> out(GsmFullRate::info().max_payload_bytes);
    const auto size = encoder.encode(input, out);
    ASSERT_EQ(size, kFrameBytes * duration_ms / 20);
    for (std::size_t at = 0; at < size; at += kFrameBytes) EXPECT_EQ(out[at] >> 4, 0xD);
    std::vector<std::uint8_t> short_out(size - 1);
    EXPECT_THROW(encoder.encode(input, short_out), Error);
  }
}

TEST(Gsm, RefusesPayloadsThatAreNotWholeFrames) {
  GsmFullRate::Decoder decoder(params_for());
  GsmFullRate::Encoder encoder(params_for(60));
  std::vector<std::uint8_t> frames(99);
  encoder.encode(tones(8000, 480, kTones), frames);
  for (const std::size_t size : {1u, 32u, 34u, 65u, 67u, 98u}) {
    EXPECT_EQ(status_of(decoder, std::span(frames).first(size)), PARLEY_ERR_INVALID_ARGUMENT)
        << size << " bytes";
  }
  EXPECT_EQ(status_of(decoder, {}), PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(status_of(decoder, std::span(frames).first(66)), PARLEY_OK);
  std::vector<std::int16_t> one_frame(kFrameSamples);
  try {
    decoder.decode(packet(frames), one_frame);
    FAIL() << "three frames do not fit one";
  } catch (const Error& error) {
    EXPECT_EQ(error.status(), PARLEY_ERR_BUFFER_TOO_SMALL);
  }
}

TEST(Gsm, ABadSignatureChangesNoDecoderState) {
  GsmFullRate::Encoder encoder(params_for());
  const auto input = tones(8000, 1600, kTones);
  std::vector<std::vector<std::uint8_t>> packets;
  for (std::size_t at = 0; at < input.size(); at += kFrameSamples) {
    std::vector<std::uint8_t> out(kFrameBytes);
    encoder.encode(std::span(input).subspan(at, kFrameSamples), out);
    packets.push_back(out);
  }
  GsmFullRate::Decoder clean(params_for()), attacked(params_for());
  std::vector<std::int16_t> a(kFrameSamples), b(kFrameSamples);
  for (std::size_t f = 0; f < packets.size(); ++f) {
    if (f == 5) {
      auto forged = packets[f];
      forged[0] = static_cast<std::uint8_t>((forged[0] & 0x0f) | 0x70);
      std::vector<std::uint8_t> two = packets[f];
      two.insert(two.end(), forged.begin(), forged.end());  // good frame, then a bad one
      EXPECT_EQ(status_of(attacked, forged), PARLEY_ERR_INVALID_ARGUMENT);
      EXPECT_EQ(status_of(attacked, two), PARLEY_ERR_INVALID_ARGUMENT);
    }
    clean.decode(packet(packets[f]), a);
    attacked.decode(packet(packets[f]), b);
    ASSERT_EQ(a, b) << "frame " << f;
  }
}

TEST(Gsm, ConcealmentRepeatsThenMutesWithin320Milliseconds) {
  GsmFullRate::Encoder encoder(params_for());
  GsmFullRate::Decoder decoder(params_for());
  std::vector<std::int16_t> pcm(kFrameSamples);
  EXPECT_EQ(decoder.decode(lost(), pcm), kFrameSamples);
  EXPECT_EQ(mean_square(pcm), 0.0) << "nothing to repeat yet: silence";

  const auto input = tones(8000, 8000, kTones);
  std::vector<std::uint8_t> out(kFrameBytes);
  for (std::size_t at = 0; at < 4000; at += kFrameSamples) {
    encoder.encode(std::span(input).subspan(at, kFrameSamples), out);
    decoder.decode(packet(out), pcm);
  }
  const double good = mean_square(pcm);
  std::vector<double> concealed_db;
  for (int f = 0; f < 20; ++f) {
    decoder.decode(lost(), pcm);
    concealed_db.push_back(db(mean_square(pcm) / good + 1e-12));
  }
  report("first concealed frame dB", concealed_db[0]);
  report("8th concealed frame dB", concealed_db[7]);
  // The first substitute is the last frame again (measured within 1 dB).
  EXPECT_NEAR(concealed_db[0], 0.0, 3.0);
  // Then xmaxc falls by 4 a frame; the long-term predictor carries some energy
  // over, so 7 steps later it is 14-23 dB down depending on the signal (9 dB bound).
  EXPECT_LT(concealed_db[7], concealed_db[0] - 9.0);
  for (int f = 16; f < 20; ++f) EXPECT_LT(concealed_db[f], -100.0) << "muted after 320 ms";

  // A good frame ends the muting at once.
  encoder.encode(std::span(input).subspan(4000, kFrameSamples), out);
  decoder.decode(packet(out), pcm);
  decoder.decode(lost(), pcm);
  EXPECT_GT(db(mean_square(pcm) / good), -6.0);
}

TEST(Gsm, GarbageNeverCrashesTheDecoder) {
  GsmFullRate::Decoder decoder(params_for());
  std::vector<std::int16_t> pcm(kFrameSamples * 6);
  std::mt19937 random(33);
  int decoded = 0;
  for (int round = 0; round < 5000; ++round) {
    std::vector<std::uint8_t> garbage(kFrameBytes * (1 + random() % 3) + (round % 7 == 0 ? 1 : 0));
    for (auto& byte : garbage) byte = static_cast<std::uint8_t>(random());
    // Half the rounds carry valid signatures, to reach the decoder proper.
    if (round % 2 == 0) {
      for (std::size_t at = 0; at + kFrameBytes <= garbage.size(); at += kFrameBytes) {
        garbage[at] = static_cast<std::uint8_t>(0xD0 | (garbage[at] & 0x0f));
      }
    }
    const auto status = status_of(decoder, garbage);
    EXPECT_TRUE(status == PARLEY_OK || status == PARLEY_ERR_INVALID_ARGUMENT);
    decoded += status == PARLEY_OK;
  }
  report("garbage payloads decoded of 5000", decoded);
  EXPECT_GT(decoded, 1000) << "signed whole frames are valid GSM, whatever their content";
  EXPECT_EQ(decoder.decode(lost(), pcm), kFrameSamples);
}

}  // namespace
