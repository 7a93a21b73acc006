// Identity certificates: the login server's statement "this public key belongs
// to this user id, between these times", checked offline by anyone who pinned
// the server's key (a peer in a call, a super node, the client itself).
//
// Encoding, version 1 (all integers big-endian, no optional parts, so every
// certificate has exactly one encoding and the parser accepts nothing else):
//
//   offset  size  field
//   0       4     magic "PLC1"
//   4       1     version = 1
//   5       1     user id length L (1..64)
//   6       L     user id ([a-z0-9._-], see user_id.hpp)
//   6+L     32    subject public key (raw Ed25519)
//   38+L    8     not before, Unix seconds (0 .. 2^63-1)
//   46+L    8     not after, Unix seconds (> not before)
//   54+L    8     serial (chosen by the issuer at random)
//   62+L    16    issuer key id (PublicKey::key_id() of the server key)
//   78+L    64    Ed25519 signature by the issuer over
//                 signed_bytes(kCertificateContext, bytes 0 .. 78+L)
//   total 142+L bytes (at most 206)
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "identity/signing_key.hpp"

namespace parley::identity {

inline constexpr std::uint8_t kCertificateVersion = 1;
inline constexpr std::size_t kMaxCertificateBytes = 206;

using Clock = std::chrono::system_clock;

struct Certificate {
  std::string user_id;
  PublicKey subject_key;
  std::int64_t not_before_s = 0;  // Unix seconds, inclusive
  std::int64_t not_after_s = 0;   // Unix seconds, exclusive
  std::uint64_t serial = 0;
  KeyId issuer_key_id{};
  Signature signature{};

  bool operator==(const Certificate&) const = default;
};

// The bytes the issuer signs (everything before the signature).
std::vector<std::uint8_t> certificate_body(const Certificate& certificate);
std::vector<std::uint8_t> encode_certificate(const Certificate& certificate);

struct CertificateParse {
  std::optional<Certificate> certificate;
  std::string error;  // why it is malformed, when certificate is empty
};
// Structure only: signature, times and names are verify_certificate's job.
CertificateParse parse_certificate(std::span<const std::uint8_t> bytes);

// What the login server does. Throws IdentityError when user_id is invalid or
// the times are not ordered.
Certificate issue_certificate(const SigningKey& issuer, std::string_view user_id,
                              const PublicKey& subject_key, std::int64_t not_before_s,
                              std::int64_t not_after_s, std::uint64_t serial);

enum class CertificateStatus {
  valid,
  malformed,      // does not parse as a version-1 certificate
  wrong_issuer,   // issued by another server key than the one pinned
  bad_signature,  // forged or altered after signing
  not_yet_valid,  // before not-before (or the verifier's clock is behind)
  expired,        // at or after not-after
  wrong_user,     // valid, but for another user id than expected
};
std::string_view status_name(CertificateStatus status);  // "expired", ...

struct CertificateCheck {
  CertificateStatus status = CertificateStatus::malformed;
  std::string reason;                      // one sentence, for people
  std::optional<Certificate> certificate;  // when it parsed
  [[nodiscard]] bool ok() const { return status == CertificateStatus::valid; }
};

// Offline verification against the pinned login server key. expected_user
// empty means "any user" (a client looking at a certificate it was sent, to
// learn whose it is; a call handshake always names the user it expects).
CertificateCheck verify_certificate(std::span<const std::uint8_t> encoded,
                                    const PublicKey& pinned_server_key, Clock::time_point now,
                                    std::string_view expected_user);
CertificateCheck verify_certificate(const Certificate& certificate,
                                    const PublicKey& pinned_server_key, Clock::time_point now,
                                    std::string_view expected_user);

// Clients renew before expiry: when less than kRenewWhenRemaining of the
// validity period is left (a 24 h certificate is renewed in its last 4.8 h),
// so a certificate never lapses while the client is online.
inline constexpr double kRenewWhenRemaining = 0.2;
std::int64_t renewal_due_at_s(const Certificate& certificate);  // Unix seconds
bool renewal_due(const Certificate& certificate, Clock::time_point now);

std::int64_t unix_seconds(Clock::time_point time);
std::string format_utc(std::int64_t unix_s);  // "2025-01-31T12:00:00Z"

}  // namespace parley::identity
