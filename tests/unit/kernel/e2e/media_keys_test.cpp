// From a handshake to protected RTP through the real cipher plugins, and key
// generations: a sender rekeys on its own, the receiver follows, reordered
// packets across the switch still arrive, and forged or replayed ones do not.
#include "identity/media_keys.hpp"
#include "e2e_fixture.hpp"
#include "media/rtp_packet.hpp"

namespace parley::e2e_test {
namespace {

Bytes rtp_packet(std::uint16_t sequence, std::string_view payload, std::size_t capacity_extra) {
  media::RtpHeader header;
  header.payload_type = 0;
  header.sequence = sequence;
  header.timestamp = sequence * 160u;
  header.ssrc = 0x51a7e5u;
  Bytes buffer(media::kRtpFixedHeaderBytes + payload.size() + capacity_extra);
  const auto size = media::write_rtp(
      header, std::span(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()),
      buffer);
  buffer.resize(size);
  return buffer;
}

class MediaKeysTest : public testing::Test {
 protected:
  void SetUp() override {
    auto initiator = Handshake::initiator(world.config(alice, "bob", alice_offers()));
    auto responder = Handshake::responder(world.config(bob, "alice", bob_offers()), guard);
    complete(initiator, responder, world.now());
    alice_result.emplace(initiator.take_result());
    bob_result.emplace(responder.take_result());
  }

  // Protects one packet at the sender; empty when it failed.
  static Bytes send(MediaKeys& sender, std::uint16_t sequence, std::string_view payload) {
    auto packet = rtp_packet(sequence, payload, sender.cipher().rtp_overhead());
    const auto plain_size = packet.size();
    packet.resize(plain_size + sender.cipher().rtp_overhead());
    const auto result = sender.protect_rtp(packet, plain_size);
    if (!result.ok()) return {};
    packet.resize(result.size);
    return packet;
  }

  static parley_status receive(MediaKeys& receiver, Bytes packet, std::string_view payload) {
    const auto result = receiver.unprotect_rtp(packet);
    if (result.ok()) {
      const auto parsed = media::parse_rtp(std::span(packet).first(result.size));
      EXPECT_TRUE(parsed.packet.has_value());
      EXPECT_EQ(std::string(parsed.packet->payload.begin(), parsed.packet->payload.end()), payload);
    }
    return result.status;
  }

  World world;
  Party alice = world.party("alice");
  Party bob = world.party("bob");
  ReplayGuard guard;
  std::optional<HandshakeResult> alice_result;
  std::optional<HandshakeResult> bob_result;
};

TEST_F(MediaKeysTest, OffersAndFindsCiphersFromTheRankedPlugins) {
  const auto ranked = ranked_ciphers({"chacha20-poly1305"});
  const auto offered = offered_cipher_suites(ranked);
  ASSERT_GE(offered.size(), 3u);
  EXPECT_EQ(offered.front(), "chacha20-poly1305");  // preferred first, then by score
  EXPECT_EQ(offered[1], "aes-256-gcm");
  ASSERT_TRUE(find_cipher(ranked, "aes-128-gcm").has_value());
  EXPECT_FALSE(find_cipher(ranked, "rot13").has_value());
}

TEST_F(MediaKeysTest, MediaFlowsBothWaysUnderTheNegotiatedSuite) {
  const auto offer = find_cipher(ranked_ciphers({}), alice_result->cipher_suite);
  ASSERT_TRUE(offer.has_value());
  const plugin::CipherPlugin cipher(*offer);
  MediaKeys alice_media(cipher, *alice_result);
  MediaKeys bob_media(cipher, *bob_result);
  for (std::uint16_t sequence = 1; sequence <= 20; ++sequence) {
    const std::string payload = "voice frame " + std::to_string(sequence);
    const auto to_bob = send(alice_media, sequence, payload);
    ASSERT_FALSE(to_bob.empty());
    EXPECT_EQ(receive(bob_media, to_bob, payload), PARLEY_OK);
    const auto to_alice = send(bob_media, sequence, payload);
    EXPECT_EQ(receive(alice_media, to_alice, payload), PARLEY_OK);
  }
  EXPECT_EQ(bob_media.counters().packets_accepted, 20u);
  EXPECT_EQ(alice_media.counters().packets_accepted, 20u);
  EXPECT_EQ(alice_media.counters().authentication_failures, 0u);
  EXPECT_THROW(MediaKeys(cipher_named("chacha20-poly1305"), *alice_result), IdentityError);
}

TEST_F(MediaKeysTest, PlainContextsOfGenerationZeroInteroperate) {
  const auto cipher = cipher_named("aes-256-gcm");
  auto alice_contexts = make_media_contexts(cipher, *alice_result);
  auto bob_contexts = make_media_contexts(cipher, *bob_result);
  EXPECT_EQ(alice_contexts.outbound.direction(), PARLEY_CIPHER_OUTBOUND);
  EXPECT_EQ(alice_contexts.inbound.direction(), PARLEY_CIPHER_INBOUND);
  auto packet = rtp_packet(7, "frame", cipher.rtp_overhead());
  const auto plain_size = packet.size();
  packet.resize(plain_size + cipher.rtp_overhead());
  const auto protected_packet = alice_contexts.outbound.protect_rtp(packet, plain_size);
  ASSERT_TRUE(protected_packet.ok());
  packet.resize(protected_packet.size);
  auto copy = packet;
  EXPECT_TRUE(bob_contexts.inbound.unprotect_rtp(copy).ok());
  copy = packet;
  EXPECT_FALSE(alice_contexts.inbound.unprotect_rtp(copy).ok()) << "a direction's own key";
  EXPECT_THROW(make_media_contexts(cipher_named("aes-128-gcm"), *alice_result), IdentityError);
}

TEST_F(MediaKeysTest, RekeysAheadOfTheLimitAndTheReceiverFollows) {
  const auto cipher = cipher_named("aes-256-gcm");
  MediaKeys alice_media(cipher, *alice_result, 5);  // a new generation every 5 packets
  MediaKeys bob_media(cipher, *bob_result, 5);
  for (std::uint16_t sequence = 1; sequence <= 23; ++sequence) {
    const auto packet = send(alice_media, sequence, "frame");
    ASSERT_EQ(receive(bob_media, packet, "frame"), PARLEY_OK) << "packet " << sequence;
  }
  EXPECT_EQ(alice_media.counters().outbound_generation, 4u);
  EXPECT_EQ(bob_media.counters().inbound_generation, 4u);
  EXPECT_EQ(bob_media.counters().packets_accepted, 23u);
  // The other direction is untouched until its own sender rekeys.
  EXPECT_EQ(bob_media.counters().outbound_generation, 0u);
  EXPECT_EQ(alice_media.counters().inbound_generation, 0u);
  EXPECT_EQ(alice_media.rekey_after_packets(), 5u);
  const MediaKeys defaults(cipher, *alice_result);
  EXPECT_LT(defaults.rekey_after_packets(), cipher.info().max_packets_per_key);
}

TEST_F(MediaKeysTest, ANewGenerationIsNotReadableWithTheOldKey) {
  const auto cipher = cipher_named("aes-256-gcm");
  MediaKeys alice_media(cipher, *alice_result);
  alice_media.rekey_outbound();
  const auto packet = send(alice_media, 1, "after rekey");
  auto old_inbound = make_srtp_context(cipher, bob_result->inbound, PARLEY_CIPHER_INBOUND);
  auto copy = packet;
  EXPECT_EQ(old_inbound.unprotect_rtp(copy).status, PARLEY_ERR_AUTHENTICATION);
  auto new_inbound = make_srtp_context(cipher, bob_result->inbound.next(), PARLEY_CIPHER_INBOUND);
  copy = packet;
  EXPECT_TRUE(new_inbound.unprotect_rtp(copy).ok());
}

TEST_F(MediaKeysTest, AcceptsPacketsReorderedAcrossARekey) {
  const auto cipher = cipher_named("aes-256-gcm");
  MediaKeys alice_media(cipher, *alice_result, 4);
  MediaKeys bob_media(cipher, *bob_result, 4);
  std::vector<Bytes> packets;
  for (std::uint16_t sequence = 1; sequence <= 6; ++sequence) {
    packets.push_back(send(alice_media, sequence, "frame"));
  }
  // 1-3, then 5 (generation 1) before 4 (generation 0), then 6.
  for (const std::size_t index : {0u, 1u, 2u, 4u, 3u, 5u}) {
    EXPECT_EQ(receive(bob_media, packets[index], "frame"), PARLEY_OK) << "packet " << index + 1;
  }
  EXPECT_EQ(bob_media.counters().late_packets_accepted, 1u);
  EXPECT_EQ(bob_media.counters().inbound_generation, 1u);
}

TEST_F(MediaKeysTest, CountsForgeriesAndReplaysAndAcceptsNeither) {
  const auto cipher = cipher_named("aes-256-gcm");
  MediaKeys alice_media(cipher, *alice_result, 3);
  MediaKeys bob_media(cipher, *bob_result, 3);
  for (std::uint16_t sequence = 1; sequence <= 8; ++sequence) {
    const auto packet = send(alice_media, sequence, "frame");
    auto altered = packet;
    altered[altered.size() / 2] ^= 0x04;
    EXPECT_EQ(receive(bob_media, altered, "frame"), PARLEY_ERR_AUTHENTICATION);
    EXPECT_EQ(receive(bob_media, packet, "frame"), PARLEY_OK);
    EXPECT_EQ(receive(bob_media, packet, "frame"), PARLEY_ERR_REPLAY);
  }
  const auto counters = bob_media.counters();
  EXPECT_EQ(counters.packets_accepted, 8u);
  EXPECT_EQ(counters.authentication_failures, 8u);
  EXPECT_EQ(counters.replays_rejected, 8u);
  EXPECT_EQ(counters.inbound_generation, 2u);
}

}  // namespace
}  // namespace parley::e2e_test
