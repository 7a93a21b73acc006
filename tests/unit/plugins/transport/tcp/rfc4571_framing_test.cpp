// RFC 4571 framing over a byte stream that arrives in pieces of any size.
#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <stdexcept>

#include "rfc4571_framing.hpp"

namespace {

using parley::rfc4571::encode_header;
using parley::rfc4571::FrameReader;
using parley::rfc4571::FrameStatus;
using parley::rfc4571::kMaxFrameBytes;

std::vector<std::uint8_t> frame(std::span<const std::uint8_t> payload) {
  const auto header = encode_header(payload.size());
  std::vector<std::uint8_t> out(header.size() + payload.size());
  std::copy(header.begin(), header.end(), out.begin());
  std::copy(payload.begin(), payload.end(), out.begin() + header.size());
  return out;
}

std::vector<std::uint8_t> payload_of(std::size_t size, std::uint8_t seed) {
  std::vector<std::uint8_t> bytes(size);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::uint8_t>(seed + i * 31);
  return bytes;
}

TEST(Rfc4571Framing, HeaderIsTheLengthBigEndian) {
  EXPECT_EQ(encode_header(0), (std::array<std::uint8_t, 2>{0x00, 0x00}));
  EXPECT_EQ(encode_header(0x1234), (std::array<std::uint8_t, 2>{0x12, 0x34}));
  EXPECT_EQ(encode_header(kMaxFrameBytes), (std::array<std::uint8_t, 2>{0xff, 0xff}));
  EXPECT_THROW((void)encode_header(kMaxFrameBytes + 1), std::length_error);
}

TEST(Rfc4571Framing, AFrameArrivingOneByteAtATimeIsWholeOnlyAtItsLastByte) {
  const auto payload = payload_of(300, 1);
  const auto stream = frame(payload);
  FrameReader reader;
  std::vector<std::uint8_t> out(1000);
  for (std::size_t i = 0; i < stream.size(); ++i) {
    ASSERT_EQ(reader.append(std::span(stream).subspan(i, 1)), 1u);
    const auto result = reader.take_frame(out);
    if (i + 1 < stream.size()) {
      ASSERT_EQ(result.status, FrameStatus::incomplete) << "at byte " << i;
      EXPECT_TRUE(reader.inside_frame());
    } else {
      ASSERT_EQ(result.status, FrameStatus::complete);
      ASSERT_EQ(result.size, payload.size());
      EXPECT_TRUE(std::equal(payload.begin(), payload.end(), out.begin()));
    }
  }
  EXPECT_FALSE(reader.inside_frame());
}

TEST(Rfc4571Framing, ConcatenatedFramesComeOutInOrder) {
  std::vector<std::vector<std::uint8_t>> payloads;
  std::vector<std::uint8_t> stream;
  for (std::size_t size : {5, 0, 1, 172, 0, 1500, 2, 3}) {
    payloads.push_back(payload_of(size, static_cast<std::uint8_t>(size)));
    const auto framed = frame(payloads.back());
    stream.insert(stream.end(), framed.begin(), framed.end());
  }
  FrameReader reader;
  ASSERT_EQ(reader.append(stream), stream.size());
  std::vector<std::uint8_t> out(2000);
  for (const auto& payload : payloads) {
    const auto result = reader.take_frame(out);
    ASSERT_EQ(result.status, FrameStatus::complete);
    ASSERT_EQ(result.size, payload.size());
    EXPECT_TRUE(std::equal(payload.begin(), payload.end(), out.begin()));
  }
  EXPECT_EQ(reader.take_frame(out).status, FrameStatus::incomplete);
  EXPECT_FALSE(reader.inside_frame());
}

TEST(Rfc4571Framing, ZeroLengthFramesAreEmptyDatagrams) {
  FrameReader reader;
  const std::array<std::uint8_t, 4> two_empty{0, 0, 0, 0};
  reader.append(two_empty);
  for (int i = 0; i < 2; ++i) {
    const auto result = reader.take_frame({});  // needs no room at all
    EXPECT_EQ(result.status, FrameStatus::complete);
    EXPECT_EQ(result.size, 0u);
  }
  EXPECT_EQ(reader.take_frame({}).status, FrameStatus::incomplete);
}

TEST(Rfc4571Framing, AHeaderSplitAcrossReadsIsReassembled) {
  FrameReader reader;
  const auto stream = frame(payload_of(0x0102, 9));
  std::vector<std::uint8_t> out(0x0102);
  reader.append(std::span(stream).first(1));
  EXPECT_EQ(reader.take_frame(out).status, FrameStatus::incomplete);
  reader.append(std::span(stream).subspan(1));
  const auto result = reader.take_frame(out);
  EXPECT_EQ(result.status, FrameStatus::complete);
  EXPECT_EQ(result.size, 0x0102u);
}

TEST(Rfc4571Framing, ATooLargeFrameIsSkippedEvenBeforeItHasArrived) {
  FrameReader reader;
  const auto big = frame(payload_of(100, 3));
  const std::array<std::uint8_t, 2> ok_payload{'o', 'k'};
  const auto next = frame(ok_payload);
  std::array<std::uint8_t, 10> out{};
  reader.append(std::span(big).first(32));  // header + 30 of 100 bytes
  auto result = reader.take_frame(out);
  EXPECT_EQ(result.status, FrameStatus::too_large);
  EXPECT_EQ(result.size, 100u);
  EXPECT_EQ(reader.take_frame(out).status, FrameStatus::incomplete) << "70 bytes still to skip";
  EXPECT_TRUE(reader.inside_frame());
  reader.append(std::span(big).subspan(32));
  reader.append(next);
  result = reader.take_frame(out);
  ASSERT_EQ(result.status, FrameStatus::complete) << "the stream stayed in step";
  EXPECT_EQ(result.size, 2u);
  EXPECT_EQ(out[0], 'o');
  EXPECT_EQ(out[1], 'k');
}

TEST(Rfc4571Framing, ATooLargeFrameAlreadyBufferedLeavesTheNextIntact) {
  FrameReader reader;
  reader.append(frame(payload_of(11, 1)));
  reader.append(frame(payload_of(10, 2)));
  std::array<std::uint8_t, 10> out{};
  EXPECT_EQ(reader.take_frame(out).status, FrameStatus::too_large);
  const auto result = reader.take_frame(out);
  ASSERT_EQ(result.status, FrameStatus::complete);
  const auto expected = payload_of(10, 2);
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), out.begin()));
}

TEST(Rfc4571Framing, LargestFramesPassThroughStreamSizedReads) {
  FrameReader reader;
  std::vector<std::uint8_t> stream;
  for (std::uint8_t i = 0; i < 3; ++i) {
    const auto framed = frame(payload_of(kMaxFrameBytes, i));
    stream.insert(stream.end(), framed.begin(), framed.end());
  }
  std::vector<std::uint8_t> out(kMaxFrameBytes);
  std::size_t fed = 0;
  std::uint8_t taken = 0;
  while (taken < 3) {
    const auto result = reader.take_frame(out);
    if (result.status == FrameStatus::complete) {
      ASSERT_EQ(result.size, kMaxFrameBytes);
      const auto expected = payload_of(kMaxFrameBytes, taken);
      ASSERT_TRUE(std::equal(expected.begin(), expected.end(), out.begin()));
      ++taken;
      continue;
    }
    ASSERT_EQ(result.status, FrameStatus::incomplete);
    ASSERT_LT(fed, stream.size());
    const auto space = reader.writable();
    ASSERT_FALSE(space.empty()) << "no room while a frame is incomplete";
    const auto chunk = std::min<std::size_t>({space.size(), 4096, stream.size() - fed});
    std::copy_n(stream.begin() + static_cast<std::ptrdiff_t>(fed), chunk, space.begin());
    reader.commit(chunk);
    fed += chunk;
  }
}

// Random frames, random read boundaries, random receive buffers: every frame
// is either delivered intact or reported too large, in order, and nothing else.
TEST(Rfc4571Framing, AnySplitOfTheStreamGivesTheSameFrames) {
  std::mt19937 random(4571);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::vector<std::uint8_t>> payloads;
    std::vector<std::uint8_t> stream;
    for (int i = 0; i < 40; ++i) {
      payloads.push_back(payload_of(random() % 3000, static_cast<std::uint8_t>(random())));
      const auto framed = frame(payloads.back());
      stream.insert(stream.end(), framed.begin(), framed.end());
    }
    FrameReader reader;
    std::size_t fed = 0;
    std::size_t next = 0;
    std::vector<std::uint8_t> out(3000);
    while (next < payloads.size()) {
      const std::size_t capacity = random() % 3000;
      const auto result = reader.take_frame(std::span(out).first(capacity));
      if (result.status == FrameStatus::incomplete) {
        ASSERT_LT(fed, stream.size()) << "stream ended with frames missing";
        const auto space = reader.writable();
        const auto chunk =
            std::min<std::size_t>({space.size(), 1 + random() % 5000, stream.size() - fed});
        std::copy_n(stream.begin() + static_cast<std::ptrdiff_t>(fed), chunk, space.begin());
        reader.commit(chunk);
        fed += chunk;
        continue;
      }
      const auto& expected = payloads[next++];
      ASSERT_EQ(result.size, expected.size());
      if (result.status == FrameStatus::too_large) {
        EXPECT_GT(expected.size(), capacity);
      } else {
        EXPECT_LE(expected.size(), capacity);
        EXPECT_TRUE(std::equal(expected.begin(), expected.end(), out.begin()));
      }
    }
    // A last frame reported too large may still have bytes on their way.
    while (fed < stream.size()) {
      const auto space = reader.writable();
      const auto chunk = std::min(space.size(), stream.size() - fed);
      std::copy_n(stream.begin() + static_cast<std::ptrdiff_t>(fed), chunk, space.begin());
      reader.commit(chunk);
      fed += chunk;
      ASSERT_EQ(reader.take_frame(out).status, FrameStatus::incomplete);
    }
    EXPECT_FALSE(reader.inside_frame());
  }
}

}  // namespace
