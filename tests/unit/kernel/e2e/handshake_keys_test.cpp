// The primitives under the handshake against published vectors (RFC 5869,
// RFC 7748), and the key schedule and safety number against vectors computed
// independently (Python's hmac/hashlib, from the description in docs/e2e.md),
// so another implementation can check itself against the same numbers.
#include <openssl/crypto.h>

#include "e2e_fixture.hpp"

namespace parley::e2e_test {
namespace {

Bytes from_hex(std::string_view hex) {
  Bytes out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string hex_of(std::span<const std::uint8_t> bytes) {
  return to_hex(bytes);
}

// Feeds fixed bytes where the handshake would draw random ones.
EntropySource fixed_entropy(const Bytes& bytes) {
  return [bytes](std::span<std::uint8_t> out) {
    ASSERT_EQ(out.size(), bytes.size());
    std::copy(bytes.begin(), bytes.end(), out.begin());
  };
}

TEST(HandshakeKeys, HkdfMatchesRfc5869TestCase1) {
  const Bytes ikm(22, 0x0b);
  const auto salt = from_hex("000102030405060708090a0b0c");
  const auto info = from_hex("f0f1f2f3f4f5f6f7f8f9");
  const auto prk = hkdf_extract(salt, ikm);
  EXPECT_EQ(hex_of(prk.view()), "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
  const auto okm = hkdf_expand(prk.view(), info, 42);
  EXPECT_EQ(hex_of(okm.view()),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  EXPECT_TRUE(hkdf_expand(prk.view(), info, 0).empty());
}

TEST(HandshakeKeys, X25519MatchesRfc7748Section61) {
  const auto alice = EphemeralKey::generate(
      fixed_entropy(from_hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")));
  EXPECT_EQ(hex_of(alice.public_bytes()),
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  const auto shared =
      alice.agree(from_hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"));
  ASSERT_TRUE(shared.has_value());
  EXPECT_EQ(hex_of(shared->view()),
            "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
}

TEST(HandshakeKeys, X25519RefusesUnusableSharesAndErasedKeys) {
  auto key = EphemeralKey::generate({});
  EXPECT_FALSE(key.agree(Bytes(kX25519Bytes, 0)).has_value());  // low-order point
  EXPECT_FALSE(key.agree(Bytes(kX25519Bytes - 1, 7)).has_value());
  key.erase();
  EXPECT_TRUE(key.erased());
  EXPECT_THROW((void)key.agree(Bytes(kX25519Bytes, 9)), IdentityError);
}

TEST(HandshakeKeys, KeyScheduleMatchesTheIndependentVectors) {
  const KeyBytes shared(
      from_hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"));
  Digest transcript{};
  for (std::size_t i = 0; i < transcript.size(); ++i) transcript[i] = static_cast<std::uint8_t>(i);
  const auto secrets = derive_handshake_secrets(shared, transcript);
  EXPECT_EQ(hex_of(secrets.confirm_initiator.view()),
            "89568dbc8342d72ed3135ffac28d292e769edb9adefa19f6b10a812f11a3db29");
  EXPECT_EQ(hex_of(secrets.confirm_responder.view()),
            "4ff7a4f1af4cb0707de957d1312933db0615af39b3edf950a38d74411dd07c7a");
  const CipherKeySizes aes256{32, 12};
  const auto srtp = secrets.initiator_to_responder.srtp_keys(aes256);
  EXPECT_EQ(hex_of(srtp.master_key.view()),
            "05dc34e1c58bd9946f1d4394a0664339538ee641353cf2d10dc8f9d8742a7de2");
  EXPECT_EQ(hex_of(srtp.master_salt.view()), "abffe897ee791586fd607d10");
  const auto messages = secrets.initiator_to_responder.message_keys(aes256);
  EXPECT_EQ(hex_of(messages.master_key.view()),
            "3784da7bbbe3fcfa8c2e34847ad0c60c10b1228b5db2e29f5d6cbdcd2c66e67f");
  EXPECT_EQ(hex_of(messages.master_salt.view()), "fcf686557036dd94ff54d7a1");
  const auto generation_1 = secrets.initiator_to_responder.next();
  EXPECT_EQ(generation_1.generation(), 1u);
  EXPECT_EQ(hex_of(generation_1.srtp_keys(aes256).master_key.view()),
            "481eb3fb110857839f757f54f734512b194b09edc05501d1fe20046e31c6c8e6");
}

TEST(HandshakeKeys, GenerationsDifferAndBothSidesStepAlike) {
  const KeyBytes shared(Bytes(32, 0x42));
  const Digest transcript{};
  const auto mine = derive_handshake_secrets(shared, transcript);
  const auto theirs = derive_handshake_secrets(shared, transcript);
  const CipherKeySizes sizes{32, 12};
  auto sender = mine.initiator_to_responder.copy();
  auto receiver = theirs.initiator_to_responder.copy();
  std::vector<std::string> seen;
  for (std::uint32_t generation = 0; generation < 5; ++generation) {
    const auto sent = sender.srtp_keys(sizes);
    const auto received = receiver.srtp_keys(sizes);
    EXPECT_TRUE(sent.master_key.same_as(received.master_key.view())) << generation;
    EXPECT_EQ(sender.generation(), generation);
    seen.push_back(fingerprint_of(sent));
    sender = sender.next();
    receiver = receiver.next();
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end()) << "a generation repeated a key";
  // The other direction's chain is another chain.
  EXPECT_FALSE(mine.responder_to_initiator.srtp_keys(sizes).master_key.same_as(
      mine.initiator_to_responder.srtp_keys(sizes).master_key.view()));
}

TEST(HandshakeKeys, SafetyNumberFollowsItsDocumentedDerivation) {
  PublicKey first;
  first.bytes.fill(0x11);
  PublicKey second;
  second.bytes.fill(0x22);
  Digest transcript{};
  for (std::size_t i = 0; i < transcript.size(); ++i) transcript[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(safety_number(first, second, transcript), "34005 28631 05252 47449 22567 95852");
  // The keys are sorted, so both sides see the same number.
  EXPECT_EQ(safety_number(second, first, transcript), "34005 28631 05252 47449 22567 95852");
  transcript[0] ^= 1;
  EXPECT_NE(safety_number(first, second, transcript), "34005 28631 05252 47449 22567 95852");
}

TEST(HandshakeKeys, KeyBytesWipeAndShowOnlyFingerprints) {
  KeyBytes key(Bytes(32, 0x5a));
  const auto fingerprint = key.fingerprint();
  EXPECT_EQ(fingerprint.size(), 11u);  // "fp:" + 8 hex digits
  EXPECT_EQ(fingerprint.rfind("fp:", 0), 0u);
  EXPECT_EQ(key.copy().fingerprint(), fingerprint);
  KeyBytes moved = std::move(key);
  EXPECT_TRUE(key.empty());  // NOLINT(bugprone-use-after-move): the move wipes the source
  EXPECT_TRUE(moved.same_as(Bytes(32, 0x5a)));
  moved.wipe();
  EXPECT_TRUE(moved.empty());
  EXPECT_EQ(moved.fingerprint(), "fp:empty");
}

}  // namespace
}  // namespace parley::e2e_test
