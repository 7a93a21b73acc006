#include "identity/certificate.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace parley::identity {
namespace {

constexpr std::int64_t kIssued_s = 1'700'000'000;
constexpr std::int64_t kDay_s = 24 * 3600;

Clock::time_point at(std::int64_t unix_s) {
  return Clock::time_point(std::chrono::seconds(unix_s));
}

class CertificateTest : public ::testing::Test {
 protected:
  SigningKey server_ = SigningKey::generate();
  SigningKey user_ = SigningKey::generate();
  Certificate certificate_ =
      issue_certificate(server_, "alice", user_.public_key(), kIssued_s, kIssued_s + kDay_s, 42);
  std::vector<std::uint8_t> encoded_ = encode_certificate(certificate_);

  CertificateCheck check(std::span<const std::uint8_t> bytes, std::int64_t now_s = kIssued_s + 60,
                         std::string_view user = "alice") const {
    return verify_certificate(bytes, server_.public_key(), at(now_s), user);
  }
};

TEST_F(CertificateTest, EncodingHasTheDocumentedLayout) {
  ASSERT_EQ(encoded_.size(), 142U + 5U);
  EXPECT_EQ(std::string(encoded_.begin(), encoded_.begin() + 4), "PLC1");
  EXPECT_EQ(encoded_[4], kCertificateVersion);
  EXPECT_EQ(encoded_[5], 5);
  EXPECT_EQ(std::string(encoded_.begin() + 6, encoded_.begin() + 11), "alice");
  EXPECT_TRUE(std::equal(user_.public_key().bytes.begin(), user_.public_key().bytes.end(),
                         encoded_.begin() + 11));
  // Serial 42, big-endian, at 54 + L; the issuer key id at 62 + L.
  EXPECT_EQ(encoded_[54 + 5 + 7], 42);
  const auto id = server_.public_key().key_id();
  EXPECT_TRUE(std::equal(id.begin(), id.end(), encoded_.begin() + 62 + 5));
  EXPECT_EQ(certificate_body(certificate_).size(), encoded_.size() - kSignatureBytes);
}

TEST_F(CertificateTest, ParseRoundTrips) {
  const auto parsed = parse_certificate(encoded_);
  ASSERT_TRUE(parsed.certificate) << parsed.error;
  EXPECT_EQ(*parsed.certificate, certificate_);
  EXPECT_EQ(encode_certificate(*parsed.certificate), encoded_);
}

TEST_F(CertificateTest, LongestUserIdFitsTheMaximum) {
  const auto longest = issue_certificate(server_, std::string(64, 'z'), user_.public_key(),
                                         kIssued_s, kIssued_s + 1, 1);
  EXPECT_EQ(encode_certificate(longest).size(), kMaxCertificateBytes);
  EXPECT_TRUE(parse_certificate(encode_certificate(longest)).certificate);
}

TEST_F(CertificateTest, ValidCertificateVerifies) {
  const auto result = check(encoded_);
  EXPECT_TRUE(result.ok()) << result.reason;
  EXPECT_EQ(result.status, CertificateStatus::valid);
  ASSERT_TRUE(result.certificate);
  EXPECT_EQ(result.certificate->subject_key, user_.public_key());
  // No expected user: any user's certificate is accepted.
  EXPECT_TRUE(check(encoded_, kIssued_s + 60, "").ok());
}

TEST_F(CertificateTest, EveryTruncationAndExtensionIsMalformed) {
  for (std::size_t length = 0; length < encoded_.size(); ++length) {
    const auto result = check(std::span(encoded_).first(length));
    EXPECT_EQ(result.status, CertificateStatus::malformed) << length;
    EXPECT_TRUE(result.reason.starts_with("malformed certificate: ")) << result.reason;
  }
  auto longer = encoded_;
  longer.push_back(0);
  EXPECT_EQ(check(longer).status, CertificateStatus::malformed);
}

TEST_F(CertificateTest, StructuralDefectsAreMalformedWithTheirReason) {
  auto bad_magic = encoded_;
  bad_magic[0] = 'X';
  EXPECT_NE(check(bad_magic).reason.find("bad magic"), std::string::npos);
  auto bad_version = encoded_;
  bad_version[4] = 2;
  EXPECT_NE(check(bad_version).reason.find("version 2 is not supported"), std::string::npos);
  auto bad_length = encoded_;
  bad_length[5] = 6;
  EXPECT_NE(check(bad_length).reason.find("does not match"), std::string::npos);
  auto bad_user = encoded_;
  bad_user[6] = 'A';
  EXPECT_NE(check(bad_user).reason.find("user id is invalid"), std::string::npos);
  auto empty_user = encoded_;
  empty_user.erase(empty_user.begin() + 6, empty_user.begin() + 11);
  empty_user[5] = 0;
  EXPECT_EQ(check(empty_user).status, CertificateStatus::malformed);
}

TEST_F(CertificateTest, EmptyOrPre1970ValidityIsMalformed) {
  Certificate inverted = certificate_;
  inverted.not_after_s = inverted.not_before_s;
  EXPECT_NE(parse_certificate(encode_certificate(inverted)).error.find("validity is empty"),
            std::string::npos);
  Certificate negative = certificate_;
  negative.not_before_s = -5;
  EXPECT_NE(parse_certificate(encode_certificate(negative)).error.find("before 1970"),
            std::string::npos);
  EXPECT_THROW(issue_certificate(server_, "alice", user_.public_key(), 10, 10, 1), IdentityError);
  EXPECT_THROW(issue_certificate(server_, "Alice", user_.public_key(), 10, 20, 1), IdentityError);
}

TEST_F(CertificateTest, AnyAlteredByteIsRefused) {
  for (std::size_t i = 0; i < encoded_.size(); ++i) {
    auto altered = encoded_;
    altered[i] ^= 0x01;
    const auto result = check(altered);
    EXPECT_FALSE(result.ok()) << "byte " << i;
  }
}

TEST_F(CertificateTest, AlteredFieldsAreForgeries) {
  // Each field changed by someone without the server key, keeping the
  // structure valid: the signature no longer verifies.
  Certificate other_user = certificate_;
  other_user.user_id = "mallory";
  Certificate other_key = certificate_;
  other_key.subject_key = SigningKey::generate().public_key();
  Certificate longer_life = certificate_;
  longer_life.not_after_s += 365 * kDay_s;
  Certificate other_serial = certificate_;
  other_serial.serial = 43;
  Certificate flipped_signature = certificate_;
  flipped_signature.signature[0] ^= 0x80;
  for (const auto& forged : {other_user, other_key, longer_life, other_serial, flipped_signature}) {
    const auto result = verify_certificate(encode_certificate(forged), server_.public_key(),
                                           at(kIssued_s + 60), "");
    EXPECT_EQ(result.status, CertificateStatus::bad_signature) << result.reason;
    EXPECT_EQ(result.reason,
              "certificate signature does not verify with the pinned login server key: it was "
              "forged or altered");
  }
}

TEST_F(CertificateTest, ForgeryClaimingThePinnedIssuerIsABadSignature) {
  const auto forger = SigningKey::generate();
  Certificate forged =
      issue_certificate(forger, "alice", user_.public_key(), kIssued_s, kIssued_s + kDay_s, 7);
  forged.issuer_key_id = server_.public_key().key_id();  // lies about who signed it
  forged.signature = forger.sign(kCertificateContext, certificate_body(forged));
  EXPECT_EQ(check(encode_certificate(forged)).status, CertificateStatus::bad_signature);
}

TEST_F(CertificateTest, AnotherServersCertificateIsWrongIssuer) {
  const auto other_server = SigningKey::generate();
  const auto theirs = issue_certificate(other_server, "alice", user_.public_key(), kIssued_s,
                                        kIssued_s + kDay_s, 1);
  const auto result = check(encode_certificate(theirs));
  EXPECT_EQ(result.status, CertificateStatus::wrong_issuer);
  EXPECT_NE(result.reason.find("signed by another server key"), std::string::npos);
  EXPECT_NE(result.reason.find(to_hex(other_server.public_key().key_id())), std::string::npos);
  // It does verify against its own server.
  EXPECT_TRUE(verify_certificate(encode_certificate(theirs), other_server.public_key(),
                                 at(kIssued_s + 60), "alice")
                  .ok());
}

TEST_F(CertificateTest, ValidityBoundsAreInclusiveThenExclusive) {
  EXPECT_EQ(check(encoded_, kIssued_s - 1).status, CertificateStatus::not_yet_valid);
  EXPECT_TRUE(check(encoded_, kIssued_s).ok());
  EXPECT_TRUE(check(encoded_, kIssued_s + kDay_s - 1).ok());
  const auto expired = check(encoded_, kIssued_s + kDay_s);
  EXPECT_EQ(expired.status, CertificateStatus::expired);
  EXPECT_NE(expired.reason.find("certificate has expired"), std::string::npos);
  EXPECT_NE(expired.reason.find(format_utc(kIssued_s + kDay_s)), std::string::npos);
  EXPECT_NE(check(encoded_, kIssued_s - 1).reason.find("not yet valid"), std::string::npos);
}

TEST_F(CertificateTest, AnotherUsersCertificateIsWrongUser) {
  const auto result = check(encoded_, kIssued_s + 60, "bob");
  EXPECT_EQ(result.status, CertificateStatus::wrong_user);
  EXPECT_EQ(result.reason, "certificate is for user 'alice', not 'bob'");
}

TEST_F(CertificateTest, RenewalIsDueInTheLastFifthOfValidity) {
  // 24 h: due 4.8 h (17280 s) before the end.
  EXPECT_EQ(renewal_due_at_s(certificate_), kIssued_s + kDay_s - 17'280);
  EXPECT_FALSE(renewal_due(certificate_, at(kIssued_s + kDay_s - 17'281)));
  EXPECT_TRUE(renewal_due(certificate_, at(kIssued_s + kDay_s - 17'280)));
  EXPECT_TRUE(renewal_due(certificate_, at(kIssued_s + 2 * kDay_s)));
}

TEST_F(CertificateTest, ExtremeTimesDoNotOverflow) {
  Certificate far = certificate_;
  far.not_before_s = 0;
  far.not_after_s = std::numeric_limits<std::int64_t>::max();
  EXPECT_LE(renewal_due_at_s(far), far.not_after_s);
  EXPECT_GT(renewal_due_at_s(far), 0);
  EXPECT_FALSE(renewal_due(far, at(kIssued_s)));
  EXPECT_FALSE(format_utc(far.not_after_s).empty());
}

TEST(CertificateStatusName, NamesEveryStatus) {
  EXPECT_EQ(status_name(CertificateStatus::valid), "valid");
  EXPECT_EQ(status_name(CertificateStatus::wrong_issuer), "wrong_issuer");
  EXPECT_EQ(status_name(CertificateStatus::bad_signature), "bad_signature");
  EXPECT_EQ(status_name(CertificateStatus::expired), "expired");
}

}  // namespace
}  // namespace parley::identity
