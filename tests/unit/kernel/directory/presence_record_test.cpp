// Presence records: a round trip, and one refusal per way a record can be
// forged, altered, misfiled or out of date. Keys are real (a login server key
// from SigningKey::generate() issuing real certificates).
#include "directory/presence_record.hpp"

#include <gtest/gtest.h>

#include "proto/presence.pb.h"

namespace parley::directory {
namespace {

using identity::Clock;
using identity::SigningKey;

constexpr std::int64_t kNow_ms = 1'800'000'000'000;
constexpr std::int64_t kLifetime_ms = 120'000;

Clock::time_point at_ms(std::int64_t ms) {
  return Clock::time_point(std::chrono::milliseconds(ms));
}

std::vector<std::uint8_t> encoded_certificate(const SigningKey& server, std::string_view user,
                                              const SigningKey& subject) {
  const std::int64_t now_s = kNow_ms / 1000;
  return identity::encode_certificate(identity::issue_certificate(
      server, user, subject.public_key(), now_s - 3600, now_s + 86'400, 7));
}

class PresenceRecordTest : public testing::Test {
 protected:
  SigningKey server_ = SigningKey::generate();
  SigningKey alice_key_ = SigningKey::generate();
  SigningKey super_node_key_ = SigningKey::generate();

  Presence alice() const {
    Presence presence;
    presence.user_id = "alice";
    presence.display_name = "Alice Liddell";
    presence.certificate = encoded_certificate(server_, "alice", alice_key_);
    presence.super_node = "127.0.0.1:4222";
    presence.super_node_key = super_node_key_.public_key();
    presence.media_addresses = {"192.0.2.7:50000", "[2001:db8::7]:50000"};
    presence.status = Status::online;
    presence.issued_at_ms = kNow_ms;
    presence.expires_at_ms = kNow_ms + kLifetime_ms;
    presence.sequence = 3;
    return presence;
  }

  PresenceCheck verify(std::span<const std::uint8_t> record, std::int64_t now_ms = kNow_ms + 1000,
                       std::string_view expected = "alice") const {
    return verify_presence(record, server_.public_key(), at_ms(now_ms), expected);
  }

  // Re-wraps a body that was changed after signing, with the old signature.
  static std::vector<std::uint8_t> rewrap(const std::string& body, const std::string& signature) {
    presence::PresenceRecord record;
    record.set_body(body);
    record.set_signature(signature);
    const auto bytes = record.SerializeAsString();
    return {bytes.begin(), bytes.end()};
  }

  static presence::PresenceRecord outer_of(const std::vector<std::uint8_t>& record) {
    presence::PresenceRecord outer;
    EXPECT_TRUE(outer.ParseFromArray(record.data(), static_cast<int>(record.size())));
    return outer;
  }
};

void expect_refused(const PresenceCheck& check, std::string_view words) {
  EXPECT_FALSE(check.ok());
  EXPECT_NE(check.error.find(words), std::string::npos) << check.error;
}

TEST_F(PresenceRecordTest, RoundTripGivesThePresenceBack) {
  const auto record = sign_presence(alice(), alice_key_);
  const auto check = verify(record);
  ASSERT_TRUE(check.ok()) << check.error;
  EXPECT_EQ(*check.presence, alice());
  ASSERT_TRUE(check.certificate);
  EXPECT_EQ(check.certificate->subject_key, alice_key_.public_key());
  // Deterministic: the same presence signs to the same bytes (Ed25519 too).
  EXPECT_EQ(sign_presence(alice(), alice_key_), record);
}

TEST_F(PresenceRecordTest, OfflineRecordWithoutSuperNodeVerifies) {
  auto offline = alice();
  offline.status = Status::offline;
  offline.super_node.clear();
  offline.super_node_key.reset();
  offline.media_addresses.clear();
  const auto check = verify(sign_presence(offline, alice_key_));
  ASSERT_TRUE(check.ok()) << check.error;
  EXPECT_EQ(check.presence->status, Status::offline);
}

TEST_F(PresenceRecordTest, AnyUserWhenNoneIsExpected) {
  EXPECT_TRUE(verify(sign_presence(alice(), alice_key_), kNow_ms, "").ok());
}

TEST_F(PresenceRecordTest, ForgedSignatureIsRefused) {
  auto outer = outer_of(sign_presence(alice(), alice_key_));
  auto signature = outer.signature();
  signature[10] = static_cast<char>(signature[10] ^ 0x01);
  expect_refused(verify(rewrap(outer.body(), signature)), "signature");
}

TEST_F(PresenceRecordTest, AlteredBodyByteIsRefused) {
  auto outer = outer_of(sign_presence(alice(), alice_key_));
  presence::PresenceBody body;
  ASSERT_TRUE(body.ParseFromString(outer.body()));
  body.set_super_node("203.0.113.66:4222");  // a node redirecting alice's calls
  expect_refused(verify(rewrap(body.SerializeAsString(), outer.signature())), "signature");
  // And one raw byte of the sequence number.
  auto raw = outer.body();
  raw.back() = static_cast<char>(raw.back() ^ 0x02);
  expect_refused(verify(rewrap(raw, outer.signature())), "signature");
}

TEST_F(PresenceRecordTest, AnotherUsersCertificateIsRefused) {
  // Mallory signs a record for alice with his own valid certificate.
  const auto mallory_key = SigningKey::generate();
  auto forged = alice();
  forged.certificate = encoded_certificate(server_, "mallory", mallory_key);
  EXPECT_THROW(sign_presence(forged, mallory_key), identity::IdentityError);

  auto outer = outer_of(sign_presence(alice(), alice_key_));
  presence::PresenceBody body;
  ASSERT_TRUE(body.ParseFromString(outer.body()));
  body.set_certificate(std::string(forged.certificate.begin(), forged.certificate.end()));
  const auto raw = body.SerializeAsString();
  const auto signature = mallory_key.sign(
      kPresenceContext, std::span(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()));
  const auto record = rewrap(raw, std::string(signature.begin(), signature.end()));
  expect_refused(verify(record), "certificate");
}

TEST_F(PresenceRecordTest, KeyOtherThanTheCertifiedOneIsRefused) {
  const auto other_key = SigningKey::generate();
  EXPECT_THROW(sign_presence(alice(), other_key), identity::IdentityError);
  // Signed by hand, as a node holding only alice's certificate would.
  const auto outer = outer_of(sign_presence(alice(), alice_key_));
  const auto& body = outer.body();
  const auto signature = other_key.sign(
      kPresenceContext, std::span(reinterpret_cast<const std::uint8_t*>(body.data()), body.size()));
  expect_refused(verify(rewrap(body, std::string(signature.begin(), signature.end()))),
                 "not by the certified key");
}

TEST_F(PresenceRecordTest, CertificateFromAnotherServerIsRefused) {
  const auto rogue_server = SigningKey::generate();
  auto presence = alice();
  presence.certificate = encoded_certificate(rogue_server, "alice", alice_key_);
  expect_refused(verify(sign_presence(presence, alice_key_)), "certificate");
}

TEST_F(PresenceRecordTest, ExpiredRecordIsRefused) {
  const auto record = sign_presence(alice(), alice_key_);
  EXPECT_TRUE(verify(record, kNow_ms + kLifetime_ms - 1).ok());
  expect_refused(verify(record, kNow_ms + kLifetime_ms), "expired");
}

TEST_F(PresenceRecordTest, RecordFromTheFutureIsRefused) {
  auto future = alice();
  future.issued_at_ms = kNow_ms + kPresenceClockSkew.count() + 1;
  future.expires_at_ms = future.issued_at_ms + kLifetime_ms;
  expect_refused(verify(sign_presence(future, alice_key_), kNow_ms), "future");
  // Within the skew: a peer's clock a little ahead is fine.
  future.issued_at_ms = kNow_ms + kPresenceClockSkew.count();
  future.expires_at_ms = future.issued_at_ms + kLifetime_ms;
  EXPECT_TRUE(verify(sign_presence(future, alice_key_), kNow_ms).ok());
}

TEST_F(PresenceRecordTest, TooLongLivedRecordIsRefused) {
  auto lasting = alice();
  lasting.expires_at_ms = lasting.issued_at_ms + kMaxPresenceLifetime.count() + 1;
  EXPECT_THROW(sign_presence(lasting, alice_key_), identity::IdentityError);
  // Signed by hand past sign_presence's check.
  auto outer = outer_of(sign_presence(alice(), alice_key_));
  presence::PresenceBody body;
  ASSERT_TRUE(body.ParseFromString(outer.body()));
  body.set_expires_at_ms(static_cast<std::uint64_t>(lasting.expires_at_ms));
  const auto raw = body.SerializeAsString();
  const auto signature = alice_key_.sign(
      kPresenceContext, std::span(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()));
  expect_refused(verify(rewrap(raw, std::string(signature.begin(), signature.end()))), "lifetime");
}

TEST_F(PresenceRecordTest, OversizeRecordIsRefusedBeforeParsing) {
  auto record = sign_presence(alice(), alice_key_);
  record.resize(kMaxPresenceRecordBytes + 1, 0);
  expect_refused(verify(record), "longer than");
}

TEST_F(PresenceRecordTest, GarbageIsRefused) {
  expect_refused(verify({}), "empty");
  const std::vector<std::uint8_t> garbage = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02};
  expect_refused(verify(garbage), "parse");
  const std::vector<std::uint8_t> empty_message = {0x0a, 0x00};  // body = ""
  EXPECT_FALSE(verify(empty_message).ok());
}

TEST_F(PresenceRecordTest, WrongExpectedUserIsRefused) {
  expect_refused(verify(sign_presence(alice(), alice_key_), kNow_ms, "bob"), "another user");
}

TEST_F(PresenceRecordTest, BoundsAreEnforcedBySignerAndReader) {
  auto bad = alice();
  bad.display_name = std::string(kMaxDisplayNameBytes + 1, 'a');
  EXPECT_THROW(sign_presence(bad, alice_key_), identity::IdentityError);
  bad = alice();
  bad.display_name = "Alice\x1b[2J";
  EXPECT_THROW(sign_presence(bad, alice_key_), identity::IdentityError);
  bad = alice();
  bad.media_addresses.assign(kMaxMediaAddresses + 1, "192.0.2.1:1");
  EXPECT_THROW(sign_presence(bad, alice_key_), identity::IdentityError);
  bad = alice();
  bad.media_addresses = {"no port"};
  EXPECT_THROW(sign_presence(bad, alice_key_), identity::IdentityError);
  bad = alice();
  bad.media_addresses = {std::string(kMaxAddressBytes, 'a') + ":1"};
  EXPECT_THROW(sign_presence(bad, alice_key_), identity::IdentityError);

  // A reader refuses the same, even when the user signed it by hand.
  auto outer = outer_of(sign_presence(alice(), alice_key_));
  presence::PresenceBody body;
  ASSERT_TRUE(body.ParseFromString(outer.body()));
  auto sign_raw = [&](const presence::PresenceBody& changed) {
    const auto raw = changed.SerializeAsString();
    const auto signature = alice_key_.sign(
        kPresenceContext, std::span(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()));
    return rewrap(raw, std::string(signature.begin(), signature.end()));
  };
  auto changed = body;
  changed.set_status(presence::STATUS_UNSPECIFIED);
  expect_refused(verify(sign_raw(changed)), "status");
  changed = body;
  changed.set_super_node_key("short");
  expect_refused(verify(sign_raw(changed)), "super node key");
  changed = body;
  changed.add_media_addresses("192.0.2.1:0");
  expect_refused(verify(sign_raw(changed)), "media address");
  changed = body;
  changed.set_super_node("[::1]");
  expect_refused(verify(sign_raw(changed)), "super node address");
}

TEST(PresenceStatus, NamesRoundTrip) {
  for (auto status : {Status::online, Status::away, Status::busy, Status::offline}) {
    EXPECT_EQ(parse_status(status_name(status)), status);
  }
  EXPECT_FALSE(parse_status("invisible"));
}

}  // namespace
}  // namespace parley::directory
