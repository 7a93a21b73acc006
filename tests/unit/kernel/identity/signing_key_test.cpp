#include "identity/signing_key.hpp"

#include <gtest/gtest.h>

namespace parley::identity {
namespace {

std::vector<std::uint8_t> bytes_of(std::string_view text) {
  return {text.begin(), text.end()};
}

TEST(SigningKey, SignsAndVerifies) {
  const auto key = SigningKey::generate();
  const auto message = bytes_of("hello");
  const auto signature = key.sign(kLoginProofContext, message);
  EXPECT_TRUE(verify_signature(key.public_key(), kLoginProofContext, message, signature));
}

TEST(SigningKey, SignatureIsBoundToItsContext) {
  const auto key = SigningKey::generate();
  const auto message = bytes_of("hello");
  const auto signature = key.sign(kLoginProofContext, message);
  EXPECT_FALSE(verify_signature(key.public_key(), kRenewProofContext, message, signature));
  EXPECT_FALSE(verify_signature(key.public_key(), kCertificateContext, message, signature));
}

TEST(SigningKey, AlteredMessageSignatureOrKeyFails) {
  const auto key = SigningKey::generate();
  const auto message = bytes_of("hello");
  auto signature = key.sign(kLoginProofContext, message);
  EXPECT_FALSE(
      verify_signature(key.public_key(), kLoginProofContext, bytes_of("hellO"), signature));
  EXPECT_FALSE(verify_signature(SigningKey::generate().public_key(), kLoginProofContext, message,
                                signature));
  signature[10] ^= 1;
  EXPECT_FALSE(verify_signature(key.public_key(), kLoginProofContext, message, signature));
  EXPECT_FALSE(verify_signature(key.public_key(), kLoginProofContext, message,
                                std::span(signature).first(63)));
}

TEST(SigningKey, SignedBytesArePrefixedWithTheContextLength) {
  const auto signed_message = signed_bytes("ab", bytes_of("c"));
  EXPECT_EQ(signed_message, (std::vector<std::uint8_t>{2, 'a', 'b', 'c'}));
  // "a" + "bc" and "ab" + "c" must differ: the length prefix separates them.
  EXPECT_NE(signed_bytes("a", bytes_of("bc")), signed_message);
  EXPECT_THROW(signed_bytes("", bytes_of("x")), IdentityError);
}

TEST(SigningKey, PemRoundTripKeepsTheKey) {
  const auto key = SigningKey::generate();
  const auto pem = key.to_pem();
  EXPECT_NE(pem.find("BEGIN PRIVATE KEY"), std::string::npos);
  const auto again = SigningKey::from_pem(pem);
  EXPECT_EQ(again.public_key(), key.public_key());
  const auto message = bytes_of("m");
  EXPECT_TRUE(verify_signature(key.public_key(), kLoginProofContext, message,
                               again.sign(kLoginProofContext, message)));
}

TEST(SigningKey, FromPemRefusesOtherKeys) {
  EXPECT_THROW(SigningKey::from_pem("not a key"), IdentityError);
  // An EC P-256 key is a valid private key, but not an Ed25519 one.
  const std::string p256 =
      "-----BEGIN PRIVATE KEY-----\n"
      "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgv3OH0OxVCHcuIZOR\n"
      "unz7+34zTqzpcxSMh+bPpcTQKR+hRANCAARj6NSHE03i6BXQRSd2exv6fjiFhK0Q\n"
      "cNfQOMKQY+lMGm0Dnvh39wXonG46FZrqqpWaZSXPfCXdh54YPA4llGjF\n"
      "-----END PRIVATE KEY-----\n";
  try {
    (void)SigningKey::from_pem(p256);
    FAIL() << "a P-256 key was accepted";
  } catch (const IdentityError& error) {
    EXPECT_STREQ(error.what(), "not an Ed25519 private key");
  }
}

TEST(PublicKey, TextFormsRoundTrip) {
  const auto key = SigningKey::generate().public_key();
  const auto text = key.to_text();
  EXPECT_TRUE(text.starts_with("ed25519:"));
  EXPECT_EQ(text.size(), 8U + 44U);
  EXPECT_EQ(PublicKey::from_text(text), key);
  EXPECT_EQ(PublicKey::from_text(text.substr(8)), key);     // bare base64
  EXPECT_EQ(PublicKey::from_text(" " + text + "\n"), key);  // pasted with spaces
  EXPECT_EQ(PublicKey::from_text(to_hex(key.bytes)), key);  // 64 hex digits
}

TEST(PublicKey, MalformedTextIsRefused) {
  const auto text = SigningKey::generate().public_key().to_text();
  for (const std::string& bad :
       {std::string(), std::string("ed25519:"), text.substr(0, text.size() - 4),
        text.substr(0, text.size() - 1) + "A",  // 32 bytes need exactly one '='
        std::string("ed25519:") + std::string(44, '*'), std::string(64, 'g'),
        std::string(62, 'a')}) {
    EXPECT_FALSE(PublicKey::from_text(bad).has_value()) << bad;
  }
}

TEST(PublicKey, KeyIdIsStableAndDistinct) {
  const auto a = SigningKey::generate().public_key();
  const auto b = SigningKey::generate().public_key();
  EXPECT_EQ(a.key_id(), a.key_id());
  EXPECT_NE(a.key_id(), b.key_id());
}

}  // namespace
}  // namespace parley::identity
