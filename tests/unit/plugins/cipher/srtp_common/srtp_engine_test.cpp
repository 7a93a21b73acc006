// The shared SRTP engine's own rules, below what the conformance suite can see
// through a plugin: index estimation (RFC 3711 Appendix A), the replay window,
// header parsing, key-usage limits and the bound on per-SSRC state.
#include <gtest/gtest.h>

#include "../hex.hpp"
#include "evp_aead.hpp"
#include "replay_window.hpp"
#include "rtp_packet.hpp"
#include "srtp_session.hpp"

namespace {

using parley::srtp::estimate_rtp_index;
using parley::srtp::EvpAead;
using parley::srtp::ReplayWindow;
using parley::srtp::Salt;
using parley::srtp::Session;
using parley::test::from_hex;
using Bytes = std::vector<std::uint8_t>;

constexpr std::uint64_t kRoc = 1u << 16;  // one rollover, in index units

Session session(std::uint64_t max_packets_per_key) {
  const Bytes key(16, 0x11);
  Salt salt{};
  salt.fill(0x22);
  parley::srtp::SessionKeys keys;
  keys.rtp = {std::make_unique<EvpAead>(EVP_aes_128_gcm(), key), salt};
  keys.rtcp = {std::make_unique<EvpAead>(EVP_aes_128_gcm(), key), salt};
  keys.message = {std::make_unique<EvpAead>(EVP_aes_128_gcm(), key), salt};
  return Session(std::move(keys), max_packets_per_key);
}

Bytes rtp(std::uint16_t sequence, std::uint32_t ssrc = 0x01020304, std::size_t payload = 20) {
  Bytes p{0x80,
          0,
          static_cast<std::uint8_t>(sequence >> 8),
          static_cast<std::uint8_t>(sequence),
          0,
          0,
          0,
          0,
          static_cast<std::uint8_t>(ssrc >> 24),
          static_cast<std::uint8_t>(ssrc >> 16),
          static_cast<std::uint8_t>(ssrc >> 8),
          static_cast<std::uint8_t>(ssrc)};
  p.resize(p.size() + payload, 0x5a);
  return p;
}

Bytes rtcp(std::uint32_t ssrc = 0x01020304) {
  return {0x80,
          201,
          0,
          1,
          static_cast<std::uint8_t>(ssrc >> 24),
          static_cast<std::uint8_t>(ssrc >> 16),
          static_cast<std::uint8_t>(ssrc >> 8),
          static_cast<std::uint8_t>(ssrc)};
}

parley::srtp::CipherResult protect(Session& s, Bytes& packet, bool is_rtcp = false) {
  const auto size = packet.size();
  packet.resize(size + 64);
  const auto result = is_rtcp ? s.protect_rtcp(packet, size) : s.protect_rtp(packet, size);
  packet.resize(result.ok() ? result.size : size);
  return result;
}

TEST(SrtpIndexEstimate, FollowsRfc3711AppendixA) {
  EXPECT_EQ(estimate_rtp_index(4096, 4097), 4097u);
  EXPECT_EQ(estimate_rtp_index(4096, 4000), 4000u) << "late, same ROC";
  EXPECT_EQ(estimate_rtp_index(65530, 3), kRoc + 3) << "wrapped forward";
  EXPECT_EQ(estimate_rtp_index(kRoc + 2, 65534), 65534u) << "late, from before the wrap";
  EXPECT_EQ(estimate_rtp_index(5 * kRoc + 40000, 100), 6 * kRoc + 100);
  EXPECT_EQ(estimate_rtp_index(5 * kRoc + 40000, 8000), 5 * kRoc + 8000);
  EXPECT_EQ(estimate_rtp_index(5 * kRoc + 100, 60000), 4 * kRoc + 60000);
}

TEST(SrtpIndexEstimate, NeverGuessesARolloverCounterBelowZero) {
  // RFC 3711 would say ROC - 1 here; with ROC 0 the only index that exists is ROC 0 (as libsrtp).
  EXPECT_EQ(estimate_rtp_index(100, 65000), 65000u);
}

TEST(SrtpIndexEstimate, ReportsExhaustionPastFortyEightBits) {
  EXPECT_GT(estimate_rtp_index(Session::kMaxRtpIndex, 0), Session::kMaxRtpIndex);
}

TEST(SrtpReplayWindow, RemembersTheLast128AndRefusesOlder) {
  ReplayWindow window;
  EXPECT_EQ(window.check(1000), ReplayWindow::Verdict::fresh);
  window.accept(1000);
  EXPECT_EQ(window.check(1000), ReplayWindow::Verdict::duplicate);
  EXPECT_EQ(window.check(1000 - 127), ReplayWindow::Verdict::fresh);
  EXPECT_EQ(window.check(1000 - 128), ReplayWindow::Verdict::too_old);
  window.accept(1000 - 127);
  EXPECT_EQ(window.check(1000 - 127), ReplayWindow::Verdict::duplicate);
  window.accept(1001);  // slides by one: 1000 - 127 is now at the far edge
  EXPECT_EQ(window.check(1000 - 127), ReplayWindow::Verdict::too_old);
  EXPECT_EQ(window.check(1000), ReplayWindow::Verdict::duplicate);
  window.accept(5000);  // a jump past the window forgets everything below it
  EXPECT_EQ(window.check(4999), ReplayWindow::Verdict::fresh);
  EXPECT_EQ(window.check(5000 - 128), ReplayWindow::Verdict::too_old);
  EXPECT_EQ(window.highest(), 5000u);
}

TEST(SrtpRtpHeader, ParsesCsrcsAndExtensionWithSizeChecks) {
  const auto header = parley::srtp::parse_rtp_header(
      from_hex("92 60 00 07 00000000 01020304 c5000001 c5000002 bede0001 10aa0000 ff"));
  ASSERT_TRUE(header);
  EXPECT_EQ(header->size, 12u + 8 + 8);
  EXPECT_EQ(header->sequence, 7);
  EXPECT_EQ(header->ssrc, 0x01020304u);
  EXPECT_FALSE(header->padded);
  // Extension length one word past the end; CSRC list past the end; wrong version.
  EXPECT_FALSE(
      parley::srtp::parse_rtp_header(from_hex("90600007 00000000 01020304 bede0002 10aa0000")));
  EXPECT_FALSE(parley::srtp::parse_rtp_header(from_hex("83600007 00000000 01020304 c5000001")));
  EXPECT_FALSE(parley::srtp::parse_rtp_header(from_hex("c0600007 00000000 01020304")));
  EXPECT_TRUE(parley::srtp::parse_rtp_header(from_hex("90600007 00000000 01020304 bede0000")));
}

TEST(SrtpSession, RefusesOnceTheKeyIsWornOutAndSpendsNothing) {
  auto s = session(10);
  for (std::uint16_t seq = 0; seq < 10; ++seq) {
    auto packet = rtp(seq);
    ASSERT_TRUE(protect(s, packet).ok());
    auto control = rtcp();
    ASSERT_TRUE(protect(s, control, true).ok());
    Bytes sealed(16);
    ASSERT_TRUE(s.seal(seq, {}, {}, sealed).ok());
  }
  auto packet = rtp(10);
  const auto before = packet;
  EXPECT_EQ(protect(s, packet).status, PARLEY_ERR_LIMIT);
  EXPECT_EQ(packet, before);
  auto control = rtcp();
  EXPECT_EQ(protect(s, control, true).status, PARLEY_ERR_LIMIT);
  Bytes sealed(16);
  EXPECT_EQ(s.seal(10, {}, {}, sealed).status, PARLEY_ERR_LIMIT);
}

TEST(SrtpSession, SenderNeverProtectsOneIndexTwice) {
  auto s = session(100);
  auto first = rtp(5);
  ASSERT_TRUE(protect(s, first).ok());
  auto again = rtp(5);
  EXPECT_EQ(protect(s, again).status, PARLEY_ERR_REPLAY) << "would reuse the GCM nonce";
  Bytes sealed(16);
  ASSERT_TRUE(s.seal(7, {}, {}, sealed).ok());
  EXPECT_EQ(s.seal(7, {}, {}, sealed).status, PARLEY_ERR_REPLAY);
}

TEST(SrtpSession, BoundsPerSsrcStateAndOnlyAuthenticPacketsCreateIt) {
  auto sender = session(1000);
  auto receiver = session(1000);
  for (std::uint32_t ssrc = 1; ssrc <= Session::kMaxStreams; ++ssrc) {
    auto packet = rtp(1, ssrc);
    ASSERT_TRUE(protect(sender, packet).ok());
    ASSERT_TRUE(receiver.unprotect_rtp(packet).ok());
  }
  auto one_more = rtp(1, 0xffff);
  EXPECT_EQ(protect(sender, one_more).status, PARLEY_ERR_LIMIT);

  // A forged packet from an unknown SSRC is an authentication failure, not a new stream.
  auto fresh_receiver = session(1000);
  auto forged = rtp(1, 0x77777777, 40);
  EXPECT_EQ(fresh_receiver.unprotect_rtp(forged).status, PARLEY_ERR_AUTHENTICATION);
}

TEST(SrtpSession, AuthenticPacketWithBadPaddingIsRefusedUntouchedAndUncommitted) {
  // Build, with the session's own key and nonce, a packet whose encrypted padding count is
  // 0 (protect would refuse it): only a key holder can, and it must still not get through.
  const Bytes key(16, 0x11);
  Salt salt{};
  salt.fill(0x22);
  EvpAead aead(EVP_aes_128_gcm(), key);
  Bytes packet = rtp(9, 0x01020304, 8);
  packet[0] |= 0x20;  // P
  packet.back() = 0;  // padding count 0: invalid
  packet.resize(packet.size() + EvpAead::kTagBytes);
  auto payload = std::span(packet).subspan(12, 8);
  ASSERT_EQ(
      aead.seal(parley::srtp::rtp_nonce(salt, 0x01020304, 9), {std::span(packet).first(12), {}},
                payload, std::span(packet).subspan(20, EvpAead::kTagBytes)),
      PARLEY_OK);
  auto receiver = session(10);
  Bytes copy = packet;
  EXPECT_EQ(receiver.unprotect_rtp(copy).status, PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(copy, packet);

  auto sender = session(10);
  auto good = rtp(9);
  ASSERT_TRUE(protect(sender, good).ok());
  EXPECT_TRUE(receiver.unprotect_rtp(good).ok()) << "the refused packet must not spend index 9";
}

TEST(SrtpSession, MessageNonceCarriesTheWholeSequence) {
  Salt zero{};
  const auto nonce = parley::srtp::message_nonce(zero, 0x0102030405060708);
  EXPECT_EQ(Bytes(nonce.begin(), nonce.end()), from_hex("00000000 0102030405060708"));
}

}  // namespace
