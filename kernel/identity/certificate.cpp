#include "identity/certificate.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <ctime>

#include "identity/user_id.hpp"

namespace parley::identity {
namespace {

constexpr std::array<std::uint8_t, 4> kMagic = {'P', 'L', 'C', '1'};
constexpr std::size_t kFixedBytes = 4 + 1 + 1 + kPublicKeyBytes + 8 + 8 + 8 + kKeyIdBytes;

void put_u64(std::vector<std::uint8_t>& out, std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

std::uint64_t get_u64(std::span<const std::uint8_t> bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < 8; ++i) value = (value << 8) | bytes[i];
  return value;
}

std::string describe_times(const Certificate& certificate) {
  return "valid from " + format_utc(certificate.not_before_s) + " until " +
         format_utc(certificate.not_after_s);
}

}  // namespace

std::int64_t unix_seconds(Clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

std::string format_utc(std::int64_t unix_s) {
  const auto seconds = static_cast<std::time_t>(unix_s);
  std::tm utc{};
  if (gmtime_r(&seconds, &utc) == nullptr) return std::to_string(unix_s) + " (Unix seconds)";
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text.data();
}

std::string_view status_name(CertificateStatus status) {
  switch (status) {
    case CertificateStatus::valid: return "valid";
    case CertificateStatus::malformed: return "malformed";
    case CertificateStatus::wrong_issuer: return "wrong_issuer";
    case CertificateStatus::bad_signature: return "bad_signature";
    case CertificateStatus::not_yet_valid: return "not_yet_valid";
    case CertificateStatus::expired: return "expired";
    case CertificateStatus::wrong_user: return "wrong_user";
  }
  return "unknown";
}

std::vector<std::uint8_t> certificate_body(const Certificate& certificate) {
  std::vector<std::uint8_t> out(kMagic.begin(), kMagic.end());
  out.push_back(kCertificateVersion);
  out.push_back(static_cast<std::uint8_t>(certificate.user_id.size()));
  out.insert(out.end(), certificate.user_id.begin(), certificate.user_id.end());
  out.insert(out.end(), certificate.subject_key.bytes.begin(), certificate.subject_key.bytes.end());
  put_u64(out, static_cast<std::uint64_t>(certificate.not_before_s));
  put_u64(out, static_cast<std::uint64_t>(certificate.not_after_s));
  put_u64(out, certificate.serial);
  out.insert(out.end(), certificate.issuer_key_id.begin(), certificate.issuer_key_id.end());
  return out;
}

std::vector<std::uint8_t> encode_certificate(const Certificate& certificate) {
  auto out = certificate_body(certificate);
  out.insert(out.end(), certificate.signature.begin(), certificate.signature.end());
  return out;
}

CertificateParse parse_certificate(std::span<const std::uint8_t> bytes) {
  const auto fail = [](std::string why) { return CertificateParse{std::nullopt, std::move(why)}; };
  if (bytes.size() < kFixedBytes + kSignatureBytes + 1) {
    return fail("certificate is " + std::to_string(bytes.size()) + " bytes, too short");
  }
  if (bytes.size() > kMaxCertificateBytes) {
    return fail("certificate is " + std::to_string(bytes.size()) + " bytes; at most " +
                std::to_string(kMaxCertificateBytes) + " are allowed");
  }
  if (!std::equal(kMagic.begin(), kMagic.end(), bytes.begin())) {
    return fail("not a Parley certificate (bad magic)");
  }
  if (bytes[4] != kCertificateVersion) {
    return fail("certificate version " + std::to_string(bytes[4]) + " is not supported (this is " +
                std::to_string(kCertificateVersion) + ")");
  }
  const std::size_t user_length = bytes[5];
  if (bytes.size() != kFixedBytes + user_length + kSignatureBytes) {
    return fail("certificate length " + std::to_string(bytes.size()) +
                " does not match its user id length " + std::to_string(user_length));
  }
  Certificate certificate;
  std::size_t at = 6;
  certificate.user_id.assign(bytes.begin() + 6, bytes.begin() + 6 + static_cast<long>(user_length));
  at += user_length;
  if (auto problem = user_id_problem(certificate.user_id)) {
    return fail("certificate user id is invalid: " + *problem);
  }
  std::copy_n(bytes.begin() + static_cast<long>(at), kPublicKeyBytes,
              certificate.subject_key.bytes.begin());
  at += kPublicKeyBytes;
  certificate.not_before_s = static_cast<std::int64_t>(get_u64(bytes.subspan(at)));
  at += 8;
  certificate.not_after_s = static_cast<std::int64_t>(get_u64(bytes.subspan(at)));
  at += 8;
  certificate.serial = get_u64(bytes.subspan(at));
  at += 8;
  std::copy_n(bytes.begin() + static_cast<long>(at), kKeyIdBytes,
              certificate.issuer_key_id.begin());
  at += kKeyIdBytes;
  std::copy_n(bytes.begin() + static_cast<long>(at), kSignatureBytes,
              certificate.signature.begin());
  if (certificate.not_before_s < 0 || certificate.not_after_s < 0) {
    return fail("certificate times before 1970 are not allowed");
  }
  if (certificate.not_after_s <= certificate.not_before_s) {
    return fail("certificate validity is empty (not-after is not after not-before)");
  }
  return {std::move(certificate), {}};
}

Certificate issue_certificate(const SigningKey& issuer, std::string_view user_id,
                              const PublicKey& subject_key, std::int64_t not_before_s,
                              std::int64_t not_after_s, std::uint64_t serial) {
  if (auto problem = user_id_problem(user_id)) throw IdentityError(*problem);
  if (not_before_s < 0 || not_after_s <= not_before_s) {
    throw IdentityError("certificate validity would be empty or before 1970");
  }
  Certificate certificate;
  certificate.user_id = std::string(user_id);
  certificate.subject_key = subject_key;
  certificate.not_before_s = not_before_s;
  certificate.not_after_s = not_after_s;
  certificate.serial = serial;
  certificate.issuer_key_id = issuer.public_key().key_id();
  certificate.signature = issuer.sign(kCertificateContext, certificate_body(certificate));
  return certificate;
}

CertificateCheck verify_certificate(std::span<const std::uint8_t> encoded,
                                    const PublicKey& pinned_server_key, Clock::time_point now,
                                    std::string_view expected_user) {
  auto parsed = parse_certificate(encoded);
  if (!parsed.certificate) {
    return {CertificateStatus::malformed, "malformed certificate: " + parsed.error, std::nullopt};
  }
  return verify_certificate(*parsed.certificate, pinned_server_key, now, expected_user);
}

CertificateCheck verify_certificate(const Certificate& certificate,
                                    const PublicKey& pinned_server_key, Clock::time_point now,
                                    std::string_view expected_user) {
  const auto result = [&](CertificateStatus status, std::string reason) {
    return CertificateCheck{status, std::move(reason), certificate};
  };
  if (certificate.issuer_key_id != pinned_server_key.key_id()) {
    return result(CertificateStatus::wrong_issuer,
                  "certificate was signed by another server key (issuer key id " +
                      to_hex(certificate.issuer_key_id) + ", pinned login server key " +
                      pinned_server_key.to_text() + " has id " +
                      to_hex(pinned_server_key.key_id()) + ")");
  }
  if (!verify_signature(pinned_server_key, kCertificateContext, certificate_body(certificate),
                        certificate.signature)) {
    return result(CertificateStatus::bad_signature,
                  "certificate signature does not verify with the pinned login server key: "
                  "it was forged or altered");
  }
  const auto now_s = unix_seconds(now);
  if (now_s < certificate.not_before_s) {
    return result(CertificateStatus::not_yet_valid, "certificate is not yet valid (" +
                                                        describe_times(certificate) + ", now " +
                                                        format_utc(now_s) + ")");
  }
  if (now_s >= certificate.not_after_s) {
    return result(CertificateStatus::expired, "certificate has expired (" +
                                                  describe_times(certificate) + ", now " +
                                                  format_utc(now_s) + ")");
  }
  if (!expected_user.empty() && certificate.user_id != expected_user) {
    return result(CertificateStatus::wrong_user, "certificate is for user '" + certificate.user_id +
                                                     "', not '" + std::string(expected_user) + "'");
  }
  return result(CertificateStatus::valid, "valid certificate for '" + certificate.user_id + "', " +
                                              describe_times(certificate));
}

// Both times are non-negative (the parser and issuer refuse others), so the
// difference cannot overflow; seconds stay seconds so far-future times do too.
std::int64_t renewal_due_at_s(const Certificate& certificate) {
  const auto lifetime_s = certificate.not_after_s - certificate.not_before_s;
  const auto remaining_s =
      static_cast<std::int64_t>(std::ceil(static_cast<double>(lifetime_s) * kRenewWhenRemaining));
  return certificate.not_after_s - std::min(remaining_s, lifetime_s);
}

bool renewal_due(const Certificate& certificate, Clock::time_point now) {
  return unix_seconds(now) >= renewal_due_at_s(certificate);
}

}  // namespace parley::identity
