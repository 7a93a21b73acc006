// What every cipher plugin must do, whatever its algorithm: round trips of every
// RTP shape, rejection of anything altered, replayed or too old, RTCP and
// messages, sizes reported rather than overrun, and no crash on any input.
// Integrity checks are skipped for suites flagged INSECURE (the null cipher);
// their replay window is still checked.
#include <algorithm>
#include <numeric>
#include <random>

#include "conformance.hpp"
#include "plugin/cipher_plugin.hpp"

namespace parley::conformance {
namespace {

using plugin::CipherContext;
using plugin::CipherPlugin;
using plugin::CipherResult;
using Bytes = std::vector<std::uint8_t>;

constexpr std::size_t kSlack = 64;  // room past a packet for tag and trailer

struct RtpShape {
  std::uint16_t sequence = 1;
  std::uint32_t ssrc = 0x5501a0b2;
  std::size_t payload = 160;  // 20 ms of G.711
  int csrcs = 0;
  int extension_words = -1;  // -1: no header extension
  std::uint8_t padding = 0;  // 0: none
  std::uint8_t payload_type = 0;
  bool marker = false;

  [[nodiscard]] std::size_t header_bytes() const {
    return 12 + 4 * static_cast<std::size_t>(csrcs) +
           (extension_words < 0 ? 0 : 4 + 4 * static_cast<std::size_t>(extension_words));
  }
};

void put32(Bytes& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(value >> shift));
}

Bytes rtp_packet(const RtpShape& s) {
  Bytes p;
  p.push_back(static_cast<std::uint8_t>(0x80 | (s.padding != 0 ? 0x20 : 0) |
                                        (s.extension_words >= 0 ? 0x10 : 0) | s.csrcs));
  p.push_back(static_cast<std::uint8_t>((s.marker ? 0x80 : 0) | s.payload_type));
  p.push_back(static_cast<std::uint8_t>(s.sequence >> 8));
  p.push_back(static_cast<std::uint8_t>(s.sequence));
  put32(p, 160u * s.sequence);  // timestamp
  put32(p, s.ssrc);
  for (int i = 0; i < s.csrcs; ++i) put32(p, 0xc5000000u + static_cast<std::uint32_t>(i));
  if (s.extension_words >= 0) {
    put32(p, 0xbede0000u | static_cast<std::uint32_t>(s.extension_words));  // RFC 8285 one-byte
    for (int i = 0; i < s.extension_words; ++i)
      put32(p, 0x10ab0000u + static_cast<std::uint32_t>(i));
  }
  for (std::size_t i = 0; i < s.payload; ++i) {
    p.push_back(static_cast<std::uint8_t>(i * 7 + s.sequence));
  }
  if (s.padding != 0) {
    p.insert(p.end(), s.padding - 1, 0);
    p.push_back(s.padding);
  }
  return p;
}

// A sender report with report blocks (RFC 3550 section 6.4.1).
Bytes rtcp_packet(std::uint32_t ssrc, int report_blocks, std::uint32_t stamp) {
  Bytes p{static_cast<std::uint8_t>(0x80 | report_blocks), 200, 0,
          static_cast<std::uint8_t>(6 + 6 * report_blocks)};
  put32(p, ssrc);
  for (int i = 0; i < 5; ++i) put32(p, stamp + static_cast<std::uint32_t>(i));
  for (int i = 0; i < 6 * report_blocks; ++i) put32(p, 0xb10c0000u + static_cast<std::uint32_t>(i));
  return p;
}

Bytes random_bytes(std::mt19937& random, std::size_t size) {
  Bytes bytes(size);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(random());
  return bytes;
}

class CipherConformance : public testing::TestWithParam<plugin::Offer> {
 protected:
  CipherPlugin cipher{GetParam()};

  [[nodiscard]] bool secure() const { return !cipher.insecure(); }
  [[nodiscard]] std::size_t tag() const { return cipher.info().auth_tag_bytes; }

  struct Keys {
    Bytes key, salt;
  };
  [[nodiscard]] Keys keys(std::uint32_t seed) const {
    std::mt19937 random(seed);
    return {random_bytes(random, cipher.info().master_key_bytes),
            random_bytes(random, cipher.info().master_salt_bytes)};
  }
  [[nodiscard]] CipherContext context(const Keys& k, parley_cipher_direction direction) const {
    return cipher.make_context(k.key, k.salt, direction);
  }
  [[nodiscard]] CipherContext sender(std::uint32_t seed = 1) const {
    return context(keys(seed), PARLEY_CIPHER_OUTBOUND);
  }
  [[nodiscard]] CipherContext receiver(std::uint32_t seed = 1) const {
    return context(keys(seed), PARLEY_CIPHER_INBOUND);
  }

  static Bytes protect_rtp(CipherContext& ctx, const Bytes& packet) {
    Bytes buffer(packet.size() + kSlack);
    std::copy(packet.begin(), packet.end(), buffer.begin());
    const auto result = ctx.protect_rtp(buffer, packet.size());
    EXPECT_TRUE(result.ok()) << plugin::describe_status(result.status);
    buffer.resize(result.size);
    return buffer;
  }
  static Bytes protect_rtcp(CipherContext& ctx, const Bytes& packet) {
    Bytes buffer(packet.size() + kSlack);
    std::copy(packet.begin(), packet.end(), buffer.begin());
    const auto result = ctx.protect_rtcp(buffer, packet.size());
    EXPECT_TRUE(result.ok()) << plugin::describe_status(result.status);
    buffer.resize(result.size);
    return buffer;
  }
  // Unprotects a copy; on failure also checks the copy was left untouched.
  static CipherResult unprotect_rtp(CipherContext& ctx, const Bytes& wire, Bytes* plain = nullptr) {
    Bytes copy = wire;
    const auto result = ctx.unprotect_rtp(copy);
    if (result.ok()) {
      if (plain != nullptr)
        *plain = Bytes(copy.begin(), copy.begin() + static_cast<long>(result.size));
    } else {
      EXPECT_EQ(copy, wire) << "a refused packet must be left untouched";
    }
    return result;
  }
  static CipherResult unprotect_rtcp(CipherContext& ctx, const Bytes& wire,
                                     Bytes* plain = nullptr) {
    Bytes copy = wire;
    const auto result = ctx.unprotect_rtcp(copy);
    if (result.ok()) {
      if (plain != nullptr)
        *plain = Bytes(copy.begin(), copy.begin() + static_cast<long>(result.size));
    } else {
      EXPECT_EQ(copy, wire) << "a refused packet must be left untouched";
    }
    return result;
  }
};

std::vector<RtpShape> varied_shapes() {
  std::vector<RtpShape> shapes;
  std::uint16_t sequence = 100;
  for (std::size_t payload : {0, 1, 15, 16, 17, 160, 320, 1200}) {
    for (int csrcs : {0, 1, 15}) {
      for (int extension : {-1, 0, 3}) {
        for (std::uint8_t padding : {0, 1, 4}) {
          RtpShape s;
          s.sequence = sequence++;
          s.payload = payload;
          s.csrcs = csrcs;
          s.extension_words = extension;
          s.padding = padding;
          s.payload_type = static_cast<std::uint8_t>(96 + (sequence % 32));
          s.marker = sequence % 5 == 0;
          shapes.push_back(s);
        }
      }
    }
  }
  return shapes;
}

TEST_P(CipherConformance, DescribesItselfCompletely) {
  const auto& info = cipher.info();
  EXPECT_GE(info.struct_size, sizeof(parley_cipher_info));
  EXPECT_GT(info.suite_name.size, 0u);
  EXPECT_NE(info.suite_name.data, nullptr);
  EXPECT_GT(info.max_packets_per_key, 0u);
  EXPECT_LE(info.max_packets_per_key, std::uint64_t{1} << 48) << "past the SRTP index space";
  EXPECT_EQ(info.flags & ~std::uint32_t{PARLEY_CIPHER_FLAG_INSECURE}, 0u) << "unknown flags";
  if (secure()) {
    // Parley takes no short keys and no truncated tags for real suites.
    EXPECT_GE(info.master_key_bytes, 16u);
    EXPECT_GE(info.master_salt_bytes, 12u);
    EXPECT_GE(info.auth_tag_bytes, 16u);
  }
}

TEST_P(CipherConformance, RoundTripsEveryRtpShapeWithTheDeclaredTag) {
  auto out = sender();
  auto in = receiver();
  for (const auto& shape : varied_shapes()) {
    SCOPED_TRACE("payload " + std::to_string(shape.payload) + " csrcs " +
                 std::to_string(shape.csrcs) + " ext " + std::to_string(shape.extension_words) +
                 " pad " + std::to_string(shape.padding));
    const auto plain = rtp_packet(shape);
    const auto wire = protect_rtp(out, plain);
    ASSERT_EQ(wire.size(), plain.size() + tag()) << "protect must add exactly auth_tag_bytes";
    const auto header = shape.header_bytes();
    EXPECT_TRUE(std::equal(plain.begin(), plain.begin() + static_cast<long>(header), wire.begin()))
        << "the RTP header travels in the clear";
    if (secure() && plain.size() - header >= 16) {
      EXPECT_FALSE(std::equal(plain.begin() + static_cast<long>(header), plain.end(),
                              wire.begin() + static_cast<long>(header)))
          << "payload left in the clear";
    }
    Bytes back;
    ASSERT_TRUE(unprotect_rtp(in, wire, &back).ok());
    EXPECT_EQ(back, plain);
  }
}

TEST_P(CipherConformance, EachDirectionHasItsOwnContextAndKey) {
  auto a_out = sender(1), a_in = receiver(2);  // a sends with key 1, receives with key 2
  auto b_out = sender(2), b_in = receiver(1);
  RtpShape shape;
  const auto a_to_b = protect_rtp(a_out, rtp_packet(shape));
  shape.ssrc = 0x0b0b0b0b;
  const auto b_to_a = protect_rtp(b_out, rtp_packet(shape));
  EXPECT_TRUE(unprotect_rtp(b_in, a_to_b).ok());
  EXPECT_TRUE(unprotect_rtp(a_in, b_to_a).ok());
  if (secure()) {
    EXPECT_EQ(unprotect_rtp(a_in, a_to_b).status, PARLEY_ERR_AUTHENTICATION)
        << "our own packets must not be accepted back";
  }
  // A context works in one direction only.
  Bytes buffer = rtp_packet(shape);
  const auto size = buffer.size();
  buffer.resize(size + kSlack);
  EXPECT_EQ(a_in.protect_rtp(buffer, size).status, PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(a_in.protect_rtcp(buffer, size).status, PARLEY_ERR_INVALID_ARGUMENT);
  Bytes copy = a_to_b;
  EXPECT_EQ(a_out.unprotect_rtp(copy).status, PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(a_out.unprotect_rtcp(copy).status, PARLEY_ERR_INVALID_ARGUMENT);
  Bytes sealed(16 + kSlack);
  EXPECT_EQ(a_in.seal(1, {}, Bytes(16), sealed).status, PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(a_out.open(1, {}, Bytes(16 + tag()), sealed).status, PARLEY_ERR_INVALID_ARGUMENT);
}

TEST_P(CipherConformance, RejectsEverySingleBitFlip) {
  if (!secure()) GTEST_SKIP() << "insecure suite: no integrity to check";
  auto out = sender();
  auto in = receiver();
  RtpShape shape;
  shape.csrcs = 2;
  shape.extension_words = 1;
  shape.payload = 40;
  const auto wire = protect_rtp(out, rtp_packet(shape));
  std::uint64_t forged = 0;
  for (std::size_t bit = 0; bit < wire.size() * 8; ++bit) {
    Bytes altered = wire;
    altered[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    const auto result = unprotect_rtp(in, altered);
    if (bit / 8 < shape.header_bytes()) {
      // A flip may make the header unparseable (version, lengths): malformed is a refusal too.
      EXPECT_TRUE(result.status == PARLEY_ERR_AUTHENTICATION ||
                  result.status == PARLEY_ERR_INVALID_ARGUMENT)
          << "bit " << bit << ": " << plugin::describe_status(result.status);
    } else {
      EXPECT_EQ(result.status, PARLEY_ERR_AUTHENTICATION) << "bit " << bit;
    }
    forged += result.status == PARLEY_ERR_AUTHENTICATION ? 1 : 0;
  }
  EXPECT_EQ(in.stats().authentication_failures, forged);
  EXPECT_TRUE(unprotect_rtp(in, wire).ok()) << "forgeries must not disturb the context";

  const auto rtcp_wire = protect_rtcp(out, rtcp_packet(shape.ssrc, 1, 7));
  for (std::size_t bit = 0; bit < rtcp_wire.size() * 8; ++bit) {
    Bytes altered = rtcp_wire;
    altered[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    const auto result = unprotect_rtcp(in, altered);
    if (bit / 8 < 8) {
      EXPECT_TRUE(result.status == PARLEY_ERR_AUTHENTICATION ||
                  result.status == PARLEY_ERR_INVALID_ARGUMENT)
          << "RTCP bit " << bit;
    } else {
      EXPECT_EQ(result.status, PARLEY_ERR_AUTHENTICATION) << "RTCP bit " << bit;
    }
  }
  EXPECT_TRUE(unprotect_rtcp(in, rtcp_wire).ok());
}

TEST_P(CipherConformance, RejectsAReplayedPacketUntouched) {
  auto out = sender();
  auto in = receiver();
  const auto wire = protect_rtp(out, rtp_packet({}));
  EXPECT_TRUE(unprotect_rtp(in, wire).ok());
  EXPECT_EQ(unprotect_rtp(in, wire).status, PARLEY_ERR_REPLAY);
  EXPECT_EQ(in.stats().replays_rejected, 1u);
}

TEST_P(CipherConformance, AcceptsReorderingWithinTheWindow) {
  auto out = sender();
  auto in = receiver();
  std::vector<Bytes> wires;
  std::vector<Bytes> plains;
  for (std::uint16_t seq = 1000; seq < 1064; ++seq) {  // RFC 3711 asks for a window of >= 64
    RtpShape shape;
    shape.sequence = seq;
    plains.push_back(rtp_packet(shape));
    wires.push_back(protect_rtp(out, plains.back()));
  }
  for (std::size_t i = wires.size(); i-- > 0;) {
    Bytes back;
    ASSERT_TRUE(unprotect_rtp(in, wires[i], &back).ok()) << "packet " << i << " of 64, reversed";
    EXPECT_EQ(back, plains[i]);
  }
  for (const auto& wire : wires) EXPECT_EQ(unprotect_rtp(in, wire).status, PARLEY_ERR_REPLAY);
}

TEST_P(CipherConformance, RejectsAPacketTooOldForTheWindow) {
  auto out = sender();
  auto in = receiver();
  RtpShape old_shape;
  old_shape.sequence = 5;
  RtpShape new_shape;
  new_shape.sequence = 20005;
  const auto old_wire = protect_rtp(out, rtp_packet(old_shape));
  const auto new_wire = protect_rtp(out, rtp_packet(new_shape));
  ASSERT_TRUE(unprotect_rtp(in, new_wire).ok());
  EXPECT_EQ(unprotect_rtp(in, old_wire).status, PARLEY_ERR_REPLAY);
}

TEST_P(CipherConformance, CarriesTheRolloverCounterAcrossTheSequenceWrap) {
  auto out = sender();
  auto in = receiver();
  std::vector<std::uint16_t> order;
  for (std::uint32_t seq = 65500; seq < 65636; ++seq)
    order.push_back(static_cast<std::uint16_t>(seq));
  std::vector<Bytes> plains, wires;
  for (auto seq : order) {
    RtpShape shape;
    shape.sequence = seq;
    plains.push_back(rtp_packet(shape));
    wires.push_back(protect_rtp(out, plains.back()));
  }
  // Deliver with reordering across the wrap: ..., 65534, 0, 65535, 1, ...
  const auto wrap =
      static_cast<std::size_t>(std::find(order.begin(), order.end(), 0) - order.begin());
  std::vector<std::size_t> delivery(order.size());
  std::iota(delivery.begin(), delivery.end(), 0);
  std::swap(delivery[wrap - 1], delivery[wrap]);
  for (auto i : delivery) {
    Bytes back;
    ASSERT_TRUE(unprotect_rtp(in, wires[i], &back).ok()) << "sequence " << order[i];
    EXPECT_EQ(back, plains[i]);
  }
  if (secure()) {
    // The rollover counter is in the nonce: a receiver still at ROC 0 must not accept it.
    auto fresh = receiver();
    EXPECT_EQ(unprotect_rtp(fresh, wires[wrap + 5]).status, PARLEY_ERR_AUTHENTICATION);
  }
}

TEST_P(CipherConformance, KeepsIndependentStateForEachSsrc) {
  auto out = sender();
  auto in = receiver();
  for (std::uint16_t seq = 1; seq < 20; ++seq) {
    for (std::uint32_t ssrc : {0x11111111u, 0x22222222u, 0x33333333u}) {
      RtpShape shape;
      shape.sequence = seq;
      shape.ssrc = ssrc;
      ASSERT_TRUE(unprotect_rtp(in, protect_rtp(out, rtp_packet(shape))).ok());
    }
  }
}

TEST_P(CipherConformance, RoundTripsRtcpWithItsIndexWord) {
  auto out = sender();
  auto in = receiver();
  std::vector<Bytes> plains, wires;
  for (int i = 0; i < 40; ++i) {
    plains.push_back(rtcp_packet(0x5501a0b2, i % 4, static_cast<std::uint32_t>(i)));
    wires.push_back(protect_rtcp(out, plains.back()));
    ASSERT_EQ(wires.back().size(), plains.back().size() + cipher.rtcp_overhead());
    EXPECT_TRUE(std::equal(plains.back().begin(), plains.back().begin() + 8, wires.back().begin()))
        << "the first 8 octets of SRTCP are in the clear";
  }
  for (std::size_t i = wires.size(); i-- > 0;) {  // reordered: newest first
    Bytes back;
    ASSERT_TRUE(unprotect_rtcp(in, wires[i], &back).ok()) << "RTCP " << i;
    EXPECT_EQ(back, plains[i]);
  }
  EXPECT_EQ(unprotect_rtcp(in, wires[3]).status, PARLEY_ERR_REPLAY);
}

TEST_P(CipherConformance, SealsAndOpensMessagesBoundToSequenceAndAad) {
  auto out = sender();
  auto in = receiver();
  const Bytes aad{'p', 'a', 'r', 'l', 'e', 'y', '-', 'i', 'm'};
  std::mt19937 random(3);
  std::uint64_t sequence = 1;
  for (std::size_t size : {0, 1, 15, 16, 17, 100, 1000, 65536}) {
    SCOPED_TRACE("message of " + std::to_string(size));
    const auto plain = random_bytes(random, size);
    Bytes sealed(size + tag() + kSlack);
    const auto s = out.seal(sequence, aad, plain, sealed);
    ASSERT_TRUE(s.ok()) << plugin::describe_status(s.status);
    ASSERT_EQ(s.size, size + tag());
    sealed.resize(s.size);
    if (secure() && size >= 16) {
      EXPECT_FALSE(std::equal(plain.begin(), plain.end(), sealed.begin())) << "left in the clear";
    }
    Bytes opened(size + kSlack, 0xee);
    if (secure()) {
      auto wrong_aad = aad;
      wrong_aad[0] ^= 1;
      EXPECT_EQ(in.open(sequence, wrong_aad, sealed, opened).status, PARLEY_ERR_AUTHENTICATION);
      EXPECT_EQ(in.open(sequence + 1, aad, sealed, opened).status, PARLEY_ERR_AUTHENTICATION);
      auto altered = sealed;
      altered[random() % altered.size()] ^= static_cast<std::uint8_t>(1u << (random() % 8));
      EXPECT_EQ(in.open(sequence, aad, altered, opened).status, PARLEY_ERR_AUTHENTICATION);
      if (size >= 16) {
        EXPECT_FALSE(std::equal(plain.begin(), plain.end(), opened.begin()))
            << "unauthenticated plaintext left in out";
      }
    }
    const auto o = in.open(sequence, aad, sealed, opened);
    ASSERT_TRUE(o.ok()) << plugin::describe_status(o.status);
    ASSERT_EQ(o.size, size);
    EXPECT_TRUE(std::equal(plain.begin(), plain.end(), opened.begin()));
    EXPECT_EQ(in.open(sequence, aad, sealed, opened).status, PARLEY_ERR_REPLAY);
    EXPECT_EQ(out.seal(sequence, aad, plain, sealed).status, PARLEY_ERR_REPLAY)
        << "sealing one sequence number twice would reuse a nonce";
    ++sequence;
  }
}

TEST_P(CipherConformance, RefusesTheWrongKeyOrSalt) {
  if (!secure()) GTEST_SKIP() << "insecure suite: no key to be wrong";
  auto out = sender(1);
  auto wrong_key = keys(1);
  wrong_key.key[0] ^= 1;
  auto wrong_salt = keys(1);
  wrong_salt.salt.back() ^= 1;
  std::uint16_t sequence = 1;
  for (const auto& k : {keys(2), wrong_key, wrong_salt}) {
    auto in = context(k, PARLEY_CIPHER_INBOUND);
    RtpShape shape;
    shape.sequence = ++sequence;
    EXPECT_EQ(unprotect_rtp(in, protect_rtp(out, rtp_packet(shape))).status,
              PARLEY_ERR_AUTHENTICATION);
    EXPECT_EQ(unprotect_rtcp(in, protect_rtcp(out, rtcp_packet(1, 0, 0))).status,
              PARLEY_ERR_AUTHENTICATION);
    Bytes sealed(8 + tag()), opened(8);
    ASSERT_TRUE(out.seal(sequence, {}, Bytes(8, 1), sealed).ok());
    EXPECT_EQ(in.open(sequence, {}, sealed, opened).status, PARLEY_ERR_AUTHENTICATION);
  }
  EXPECT_THROW((void)cipher.make_context(Bytes(cipher.info().master_key_bytes + 1), keys(1).salt,
                                         PARLEY_CIPHER_INBOUND),
               plugin::PluginCallError);
}

TEST_P(CipherConformance, SurvivesGarbageAndTruncation) {
  auto out = sender();
  auto in = receiver();
  RtpShape shape;
  shape.csrcs = 3;
  shape.extension_words = 2;
  shape.payload = 60;
  // Known before the garbage: the null suite takes garbage as streams until its table is full.
  ASSERT_TRUE(unprotect_rtp(in, protect_rtp(out, rtp_packet(shape))).ok());
  std::mt19937 random(11);
  for (int round = 0; round < 3000; ++round) {
    auto garbage = random_bytes(random, random() % 1600);
    if (round % 2 == 0 && garbage.size() >= 2) garbage[0] = 0x80 | (garbage[0] & 0x3f);
    Bytes copy = garbage;
    const auto rtp = in.unprotect_rtp(copy);
    EXPECT_LE(rtp.size, garbage.size());
    copy = garbage;
    const auto rtcp = in.unprotect_rtcp(copy);
    EXPECT_LE(rtcp.size, garbage.size());
    Bytes opened(garbage.size());
    const auto message = in.open(random(), {}, garbage, opened);
    if (secure()) {
      EXPECT_FALSE(rtp.ok());
      EXPECT_FALSE(rtcp.ok());
      EXPECT_FALSE(message.ok());
    }
  }
  shape.sequence = 2;
  const auto wire = protect_rtp(out, rtp_packet(shape));
  const auto rtcp_wire = protect_rtcp(out, rtcp_packet(shape.ssrc, 2, 1));
  for (std::size_t size = 0; size < wire.size(); ++size) {
    const auto result =
        unprotect_rtp(in, Bytes(wire.begin(), wire.begin() + static_cast<long>(size)));
    EXPECT_TRUE(!secure() || !result.ok()) << "truncated to " << size;
  }
  for (std::size_t size = 0; size < rtcp_wire.size(); ++size) {
    const auto result =
        unprotect_rtcp(in, Bytes(rtcp_wire.begin(), rtcp_wire.begin() + static_cast<long>(size)));
    EXPECT_TRUE(!secure() || !result.ok()) << "RTCP truncated to " << size;
  }
  // A fresh packet: the null suite has accepted truncated copies of the last one.
  shape.sequence = 3;
  EXPECT_TRUE(unprotect_rtp(in, protect_rtp(out, rtp_packet(shape))).ok())
      << "context unusable after garbage";
}

TEST_P(CipherConformance, RefusesMalformedRtpAndRtcp) {
  auto out = sender();
  auto in = receiver();
  RtpShape padded;
  padded.padding = 4;
  std::vector<Bytes> malformed{
      {},
      Bytes(11, 0x80),
      rtp_packet({}),                                            // made version 1 below
      Bytes{0x8f, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0},  // 15 CSRCs in 16 bytes
      Bytes{0x90, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xbe, 0xde, 0, 9, 1, 2, 3, 4},  // ext past end
      rtp_packet(padded),  // padding count made 0 below
      rtp_packet(padded),  // padding count made larger than the payload below
  };
  malformed[2][0] = 0x40;
  malformed[5].back() = 0;
  malformed[6].back() = 255;
  for (std::size_t i = 0; i < malformed.size(); ++i) {
    Bytes buffer = malformed[i];
    buffer.resize(buffer.size() + kSlack);
    EXPECT_EQ(out.protect_rtp(buffer, malformed[i].size()).status, PARLEY_ERR_INVALID_ARGUMENT)
        << "malformed RTP " << i;
  }
  for (std::size_t i = 0; i < 5; ++i) {  // the header ones, as they would arrive
    Bytes copy = malformed[i];
    EXPECT_EQ(in.unprotect_rtp(copy).status, PARLEY_ERR_INVALID_ARGUMENT) << "malformed RTP " << i;
  }
  for (const Bytes& rtcp : {Bytes{0x80, 200, 0}, Bytes{0x40, 200, 0, 1, 0, 0, 0, 1},
                            Bytes{0x80, 96, 0, 1, 0, 0, 0, 1}}) {
    Bytes buffer = rtcp;
    buffer.resize(buffer.size() + kSlack);
    EXPECT_EQ(out.protect_rtcp(buffer, rtcp.size()).status, PARLEY_ERR_INVALID_ARGUMENT);
  }
}

TEST_P(CipherConformance, ReportsTooSmallBuffersWithoutSpendingTheSequence) {
  auto out = sender();
  auto in = receiver();
  const auto plain = rtp_packet({});
  if (tag() > 0) {
    Bytes exact = plain;
    EXPECT_EQ(out.protect_rtp(exact, plain.size()).status, PARLEY_ERR_BUFFER_TOO_SMALL);
    EXPECT_EQ(exact, plain) << "untouched";
  }
  EXPECT_TRUE(unprotect_rtp(in, protect_rtp(out, plain)).ok()) << "the retry must succeed";

  const auto rtcp = rtcp_packet(1, 1, 1);
  Bytes short_rtcp = rtcp;
  short_rtcp.resize(rtcp.size() + cipher.rtcp_overhead() - 1);
  EXPECT_EQ(out.protect_rtcp(short_rtcp, rtcp.size()).status, PARLEY_ERR_BUFFER_TOO_SMALL);
  EXPECT_TRUE(unprotect_rtcp(in, protect_rtcp(out, rtcp)).ok());

  const Bytes message(100, 0x42);
  Bytes small(message.size() + tag() - 1);
  EXPECT_EQ(out.seal(9, {}, message, small).status, PARLEY_ERR_BUFFER_TOO_SMALL);
  Bytes sealed(message.size() + tag());
  ASSERT_TRUE(out.seal(9, {}, message, sealed).ok()) << "the retry must succeed";
  Bytes opened(message.size() - 1);
  EXPECT_EQ(in.open(9, {}, sealed, opened).status, PARLEY_ERR_BUFFER_TOO_SMALL);
  opened.resize(message.size());
  EXPECT_TRUE(in.open(9, {}, sealed, opened).ok());
}

TEST_P(CipherConformance, RejectsNullArgumentsThroughTheCTable) {
  const auto* api = static_cast<const parley_cipher_api*>(GetParam().interface->api);
  const auto k = keys(1);
  void* handle = nullptr;
  EXPECT_NE(api->context_create(k.key.data(), k.key.size(), k.salt.data(), k.salt.size(),
                                PARLEY_CIPHER_OUTBOUND, nullptr),
            PARLEY_OK);
  EXPECT_NE(
      api->context_create(k.key.data(), k.key.size(), k.salt.data(), k.salt.size(), 7, &handle),
      PARLEY_OK);
  EXPECT_EQ(handle, nullptr);
  ASSERT_EQ(api->context_create(k.key.data(), k.key.size(), k.salt.data(), k.salt.size(),
                                PARLEY_CIPHER_OUTBOUND, &handle),
            PARLEY_OK);
  std::size_t size = 0;
  Bytes buffer(200);
  EXPECT_NE(api->protect_rtp(handle, nullptr, 20, 200, &size), PARLEY_OK);
  EXPECT_NE(api->protect_rtp(handle, buffer.data(), 20, 200, nullptr), PARLEY_OK);
  EXPECT_NE(api->protect_rtp(handle, buffer.data(), 201, 200, &size), PARLEY_OK);
  EXPECT_NE(api->protect_rtp(nullptr, buffer.data(), 20, 200, &size), PARLEY_OK);
  EXPECT_NE(api->seal(handle, 1, nullptr, 5, buffer.data(), 10, buffer.data(), 200, &size),
            PARLEY_OK);
  EXPECT_NE(api->unprotect_rtcp(handle, nullptr, 20, &size), PARLEY_OK);
  parley_cipher_stats stats{};
  stats.struct_size = sizeof stats;
  api->get_stats(nullptr, &stats);
  api->get_stats(handle, nullptr);
  api->context_destroy(handle);
  api->context_destroy(nullptr);
}

TEST_P(CipherConformance, CountsWhatItDid) {
  auto out = sender();
  auto in = receiver();
  std::vector<Bytes> wires;
  for (std::uint16_t seq = 1; seq <= 10; ++seq) {
    RtpShape shape;
    shape.sequence = seq;
    wires.push_back(protect_rtp(out, rtp_packet(shape)));
  }
  for (std::uint32_t i = 0; i < 3; ++i) wires.push_back(protect_rtcp(out, rtcp_packet(9, 0, i)));
  Bytes sealed(50 + tag());
  ASSERT_TRUE(out.seal(1, {}, Bytes(50), sealed).ok());
  EXPECT_EQ(out.stats().packets_protected, 14u);

  for (std::size_t i = 0; i < 10; ++i) EXPECT_TRUE(unprotect_rtp(in, wires[i]).ok());
  for (std::size_t i = 10; i < 13; ++i) EXPECT_TRUE(unprotect_rtcp(in, wires[i]).ok());
  Bytes opened(50);
  EXPECT_TRUE(in.open(1, {}, sealed, opened).ok());
  EXPECT_EQ(unprotect_rtp(in, wires[0]).status, PARLEY_ERR_REPLAY);
  EXPECT_EQ(unprotect_rtcp(in, wires[10]).status, PARLEY_ERR_REPLAY);
  std::uint64_t forged = 0;
  if (secure()) {
    RtpShape shape;
    shape.sequence = 500;
    auto altered = protect_rtp(out, rtp_packet(shape));
    altered.back() ^= 1;
    EXPECT_EQ(unprotect_rtp(in, altered).status, PARLEY_ERR_AUTHENTICATION);
    EXPECT_EQ(in.open(2, {}, sealed, opened).status, PARLEY_ERR_AUTHENTICATION);
    forged = 2;
  }
  const auto stats = in.stats();
  EXPECT_EQ(stats.packets_unprotected, 14u);
  EXPECT_EQ(stats.replays_rejected, 2u);
  EXPECT_EQ(stats.authentication_failures, forged);
  EXPECT_EQ(stats.packets_protected, 0u);
}

INSTANTIATE_TEST_SUITE_P(Plugin, CipherConformance,
                         testing::ValuesIn(offers_of(PARLEY_KIND_CIPHER)), test_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CipherConformance);

}  // namespace
}  // namespace parley::conformance
