// The three handshake messages on the wire (kernel/proto/handshake.proto):
// encoding ours, and decoding anyone's defensively. The decoder checks sizes,
// counts and alphabets of every field and refuses unknown fields, so what the
// state machine (handshake.hpp) sees is well formed, though not yet trusted.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "identity/handshake_keys.hpp"
#include "identity/signing_key.hpp"

namespace parley::identity {

inline constexpr std::uint32_t kHandshakeVersion = 1;
inline constexpr std::size_t kMaxHandshakeMessageBytes = 2048;
inline constexpr std::size_t kHandshakeNonceBytes = 32;
inline constexpr std::size_t kConfirmationBytes = 32;
inline constexpr std::size_t kMaxCipherSuites = 8;
inline constexpr std::size_t kMaxCodecs = 16;
inline constexpr std::size_t kMaxOfferNameBytes = 32;

using HandshakeNonce = std::array<std::uint8_t, kHandshakeNonceBytes>;
using EphemeralPublic = std::array<std::uint8_t, kX25519Bytes>;
using Confirmation = std::array<std::uint8_t, kConfirmationBytes>;

// Why a handshake stopped. Every refusal names one of these and a sentence.
enum class HandshakeFailure {
  none,
  too_large,            // over kMaxHandshakeMessageBytes
  malformed,            // not a handshake message, or a field out of bounds
  unsupported_version,  // another protocol version
  unexpected_message,   // not the message this state waits for
  wrong_recipient,      // the first message is meant for another user
  bad_certificate,      // the peer's certificate: why in the reason
  stale,                // timestamp outside the freshness window
  replayed,             // a first message (nonce) seen before
  busy,                 // too many recent first messages to remember another
  no_common_suite,      // no cipher suite both support
  no_common_codec,      // codecs offered on both sides, none in common
  transcript_mismatch,  // the peers saw different messages (altered, downgraded)
  bad_key_share,        // the ephemeral key gives no shared secret
  bad_signature,        // the transcript signature does not verify
};
std::string_view failure_name(HandshakeFailure failure);  // "bad_signature", ...

struct Offers {
  std::vector<std::string> cipher_suites;  // preference order
  std::vector<std::string> codecs;         // preference order
  bool operator==(const Offers&) const = default;
};

struct HelloFields {
  std::string initiator_user;
  std::string responder_user;
  EphemeralPublic ephemeral_key{};
  std::vector<std::uint8_t> certificate;
  Offers offers;
  HandshakeNonce nonce{};
  std::uint64_t timestamp_ms = 0;
};

struct ReplyFields {
  Digest hello_hash{};
  EphemeralPublic ephemeral_key{};
  std::vector<std::uint8_t> certificate;
  Offers offers;
  std::string chosen_suite;
  std::string chosen_codec;
  HandshakeNonce nonce{};
  std::uint64_t timestamp_ms = 0;
};

// Each message keeps the bytes the transcript hashes next to their fields.
struct HelloMessage {
  std::vector<std::uint8_t> bytes;  // the serialized Hello
  HelloFields fields;
};
struct ReplyMessage {
  std::vector<std::uint8_t> body_bytes;  // the serialized ReplyBody
  ReplyFields body;
  Signature signature{};
  Confirmation confirmation{};
};
struct FinishMessage {
  Signature signature{};
  Confirmation confirmation{};
};
using HandshakeMessage = std::variant<HelloMessage, ReplyMessage, FinishMessage>;
std::string_view message_name(const HandshakeMessage& message);  // "hello", "reply", "finish"

struct DecodedMessage {
  std::optional<HandshakeMessage> message;
  HandshakeFailure failure = HandshakeFailure::none;  // when message is empty
  std::string reason;
};
DecodedMessage decode_handshake_message(std::span<const std::uint8_t> bytes);

// Encoders return the whole HandshakeMessage to send and fill in the bytes
// the transcript hashes. Throw IdentityError when a field is out of bounds
// (our own configuration is wrong, e.g. 9 cipher suites).
std::vector<std::uint8_t> encode_hello(const HelloFields& fields,
                                       std::vector<std::uint8_t>& hello_bytes);
std::vector<std::uint8_t> encode_reply_body(const ReplyFields& fields);
std::vector<std::uint8_t> encode_reply(std::span<const std::uint8_t> body_bytes,
                                       const Signature& signature,
                                       const Confirmation& confirmation);
std::vector<std::uint8_t> encode_finish(const Signature& signature,
                                        const Confirmation& confirmation);

// Empty when the list is acceptable as an offer (1..8 suites or 0..16 codecs,
// each 1..32 bytes of [a-z0-9._+-], no repeats); else what is wrong.
std::optional<std::string> offer_list_problem(const std::vector<std::string>& names,
                                              std::size_t min_count, std::size_t max_count,
                                              std::string_view what);

// The negotiation rule both peers apply to the signed lists: the initiator's
// first choice that the responder supports.
std::optional<std::string> first_common(const std::vector<std::string>& initiator_order,
                                        const std::vector<std::string>& responder_supported);

}  // namespace parley::identity
