#include <gtest/gtest.h>

#include "fake_codec.hpp"
#include "media/frame_decoder.hpp"
#include "media/send_path.hpp"

namespace parley::media {
namespace {

using testing::FakeCodec;

std::vector<std::uint8_t> payload(std::int32_t number) {
  std::vector<std::uint8_t> out(4);
  testing::write_number(out.data(), number);
  return out;
}

TEST(FrameDecoder, AlwaysOneWholeFrame) {
  FakeCodec codec;
  FrameDecoder decoder(codec.plugin(), codec_params(8000, 1, 20));
  EXPECT_EQ(decoder.frame_samples(), 160u);
  EXPECT_EQ(decoder.decode(payload(6))[0], 7);
  EXPECT_EQ(decoder.conceal().size(), 160u);
  EXPECT_EQ(decoder.stats().frames_decoded, 1u);
  EXPECT_EQ(decoder.stats().frames_concealed, 1u);
}

TEST(FrameDecoder, ARefusedPayloadIsConcealedNotThrown) {
  FakeCodec codec;
  FrameDecoder decoder(codec.plugin(), codec_params(8000, 1, 20));
  const std::vector<std::uint8_t> garbage{1, 2, 3};
  std::span<const std::int16_t> frame;
  EXPECT_NO_THROW(frame = decoder.decode(garbage));
  EXPECT_EQ(frame.size(), 160u);
  EXPECT_EQ(decoder.stats().decode_errors, 1u);
  EXPECT_EQ(decoder.stats().frames_concealed, 1u);
  EXPECT_NO_THROW(decoder.decode_fec(garbage));
  EXPECT_EQ(decoder.stats().decode_errors, 2u);
}

TEST(FrameDecoder, CodecsWithoutPlcGetTheKernels) {
  FakeCodec with(PARLEY_CODEC_CAP_PLC), without(0);
  EXPECT_FALSE(FrameDecoder(with.plugin(), codec_params(8000, 1, 20)).kernel_concealment());
  FrameDecoder decoder(without.plugin(), codec_params(8000, 1, 20));
  EXPECT_TRUE(decoder.kernel_concealment());
  decoder.decode(payload(99));
  EXPECT_EQ(decoder.conceal()[0], 100);  // the last frame continued, not silence
}

}  // namespace
}  // namespace parley::media
