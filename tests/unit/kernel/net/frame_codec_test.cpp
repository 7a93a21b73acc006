#include "net/frame_codec.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace parley::net {
namespace {

std::vector<std::uint8_t> bytes_of(std::string_view text) {
  return {text.begin(), text.end()};
}

std::vector<std::vector<std::uint8_t>> drain(FrameDecoder& decoder) {
  std::vector<std::vector<std::uint8_t>> frames;
  while (auto frame = decoder.next_frame()) frames.push_back(std::move(*frame));
  return frames;
}

TEST(FrameCodec, EncodesBigEndianLengthThenBody) {
  const auto frame = encode_frame(bytes_of("abc"));
  EXPECT_EQ(frame, (std::vector<std::uint8_t>{0, 0, 0, 3, 'a', 'b', 'c'}));
}

TEST(FrameCodec, EncoderRefusesEmptyAndOversizeMessages) {
  EXPECT_THROW(encode_frame({}), std::length_error);
  const std::vector<std::uint8_t> big(101, 'x');
  EXPECT_THROW(encode_frame(big, 100), std::length_error);
  EXPECT_NO_THROW(encode_frame(std::span(big).first(100), 100));
}

TEST(FrameCodec, DecodesOneFrame) {
  FrameDecoder decoder;
  decoder.feed(encode_frame(bytes_of("hello")));
  const auto frames = drain(decoder);
  ASSERT_EQ(frames.size(), 1U);
  EXPECT_EQ(frames[0], bytes_of("hello"));
  EXPECT_FALSE(decoder.inside_frame());
  EXPECT_EQ(decoder.error(), FrameDecoder::Error::none);
}

TEST(FrameCodec, DecodesFramesSplitAtEveryBoundary) {
  auto stream = encode_frame(bytes_of("first message"));
  const auto second = encode_frame(bytes_of("2"));
  stream.insert(stream.end(), second.begin(), second.end());
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    FrameDecoder decoder;
    decoder.feed(std::span(stream).first(split));
    auto frames = drain(decoder);
    decoder.feed(std::span(stream).subspan(split));
    const auto rest = drain(decoder);
    frames.insert(frames.end(), rest.begin(), rest.end());
    ASSERT_EQ(frames.size(), 2U) << "split at " << split;
    EXPECT_EQ(frames[0], bytes_of("first message"));
    EXPECT_EQ(frames[1], bytes_of("2"));
    EXPECT_FALSE(decoder.inside_frame());
  }
}

TEST(FrameCodec, DecodesOneByteAtATime) {
  const auto stream = encode_frame(bytes_of("trickle"));
  FrameDecoder decoder;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    EXPECT_EQ(decoder.inside_frame(), i != 0) << i;
    decoder.feed(std::span(stream).subspan(i, 1));
    if (i + 1 < stream.size()) {
      EXPECT_FALSE(decoder.next_frame().has_value());
      EXPECT_TRUE(decoder.inside_frame());
    }
  }
  const auto frames = drain(decoder);
  ASSERT_EQ(frames.size(), 1U);
  EXPECT_EQ(frames[0], bytes_of("trickle"));
}

TEST(FrameCodec, ManyFramesInOneRead) {
  std::vector<std::uint8_t> stream;
  for (int i = 1; i <= 50; ++i) {
    const std::vector<std::uint8_t> message(static_cast<std::size_t>(i),
                                            static_cast<std::uint8_t>(i));
    const auto frame = encode_frame(message);
    stream.insert(stream.end(), frame.begin(), frame.end());
  }
  FrameDecoder decoder;
  decoder.feed(stream);
  const auto frames = drain(decoder);
  ASSERT_EQ(frames.size(), 50U);
  for (std::size_t i = 0; i < frames.size(); ++i) EXPECT_EQ(frames[i].size(), i + 1);
}

TEST(FrameCodec, LimitIsInclusive) {
  FrameDecoder decoder(8);
  decoder.feed(encode_frame(std::vector<std::uint8_t>(8, 'x'), 8));
  EXPECT_EQ(decoder.error(), FrameDecoder::Error::none);
  EXPECT_EQ(drain(decoder).size(), 1U);
}

TEST(FrameCodec, OversizeHeaderIsAnErrorBeforeAnyBodyArrives) {
  FrameDecoder decoder(1024);
  const std::vector<std::uint8_t> header = {0x00, 0x00, 0x04, 0x01};  // 1025
  decoder.feed(header);
  EXPECT_EQ(decoder.error(), FrameDecoder::Error::oversize);
  EXPECT_NE(decoder.error_text().find("1025"), std::string::npos);
  EXPECT_NE(decoder.error_text().find("1024"), std::string::npos);
  // Nothing more is taken after an error.
  decoder.feed(encode_frame(bytes_of("later")));
  EXPECT_FALSE(decoder.next_frame().has_value());
}

TEST(FrameCodec, HugeAnnouncedLengthAllocatesNothing) {
  FrameDecoder decoder;
  const std::vector<std::uint8_t> header = {0xff, 0xff, 0xff, 0xff};
  decoder.feed(header);
  EXPECT_EQ(decoder.error(), FrameDecoder::Error::oversize);
}

TEST(FrameCodec, ZeroLengthFrameIsAnError) {
  FrameDecoder decoder;
  const std::vector<std::uint8_t> header = {0, 0, 0, 0};
  decoder.feed(header);
  EXPECT_EQ(decoder.error(), FrameDecoder::Error::empty);
  EXPECT_EQ(decoder.error_text(), "zero-length frame");
}

TEST(FrameCodec, FramesBeforeAnErrorAreStillDelivered) {
  auto stream = encode_frame(bytes_of("good"));
  stream.insert(stream.end(), {0, 0, 0, 0});
  FrameDecoder decoder;
  decoder.feed(stream);
  EXPECT_EQ(decoder.error(), FrameDecoder::Error::empty);
  const auto frames = drain(decoder);
  ASSERT_EQ(frames.size(), 1U);
  EXPECT_EQ(frames[0], bytes_of("good"));
}

TEST(FrameCodec, PartialHeaderIsInsideAFrame) {
  FrameDecoder decoder;
  const std::vector<std::uint8_t> two = {0, 0};
  decoder.feed(two);
  EXPECT_TRUE(decoder.inside_frame());
  EXPECT_FALSE(decoder.next_frame().has_value());
  EXPECT_EQ(decoder.error(), FrameDecoder::Error::none);
}

}  // namespace
}  // namespace parley::net
