// Presence records (proto/presence.proto; docs/overlay.md, "Presence"): what
// the directory holds for a user, signed by the user's certified identity
// key. Every reader (super node before publishing or answering, client after
// a search or a notice) calls verify_presence(), so a node can lose a record
// but never forge or alter one unnoticed.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "identity/certificate.hpp"
#include "identity/signing_key.hpp"

namespace parley::directory {

inline constexpr std::string_view kPresenceContext = "parley presence v1";
inline constexpr std::size_t kMaxPresenceRecordBytes = 2048;
inline constexpr std::size_t kMaxMediaAddresses = 8;
inline constexpr std::size_t kMaxDisplayNameBytes = 64;
inline constexpr std::size_t kMaxAddressBytes = 64;  // "host:port", IPv6 in brackets
// A record may claim to be issued this far in the future (clock skew).
inline constexpr std::chrono::milliseconds kPresenceClockSkew{60'000};
// A record living longer than this is refused: a stolen one must not last.
inline constexpr std::chrono::milliseconds kMaxPresenceLifetime{3'600'000};

// Why display_name cannot go in a record (too long; control characters, which
// could rewrite a reader's terminal), or nullopt.
std::optional<std::string> display_name_problem(std::string_view display_name);

enum class Status { online, away, busy, offline };
std::string_view status_name(Status status);  // "online", "away", "busy", "offline"
std::optional<Status> parse_status(std::string_view text);

struct Presence {
  std::string user_id;
  std::string display_name;
  std::vector<std::uint8_t> certificate;  // the login server's, for user_id
  std::string super_node;                 // host:port the user is attached to
  std::optional<identity::PublicKey> super_node_key;
  std::vector<std::string> media_addresses;  // host:port
  Status status = Status::online;
  std::int64_t issued_at_ms = 0;  // Unix milliseconds
  std::int64_t expires_at_ms = 0;
  std::uint64_t sequence = 0;

  bool operator==(const Presence&) const = default;
};

// The signed record bytes. Throws identity::IdentityError when presence
// breaks a bound above (so a node never publishes what readers would refuse)
// or when identity_key is not the certificate's subject.
std::vector<std::uint8_t> sign_presence(const Presence& presence,
                                        const identity::SigningKey& identity_key);

struct PresenceCheck {
  std::optional<Presence> presence;  // set when ok
  std::optional<identity::Certificate> certificate;
  std::string error;  // one sentence, when not ok
  [[nodiscard]] bool ok() const { return presence.has_value(); }
};

// Structure and bounds, the certificate against the pinned login server key
// (valid now, for the record's user), the signature by the certified key,
// issued_at not beyond now + skew, expires_at after now and within the
// maximum lifetime of issued_at. expected_user non-empty: the record must be
// that user's (a directory key names whose record it should be).
PresenceCheck verify_presence(std::span<const std::uint8_t> record,
                              const identity::PublicKey& login_server_key,
                              identity::Clock::time_point now, std::string_view expected_user = {});

std::int64_t unix_ms(identity::Clock::time_point time);

}  // namespace parley::directory
