// STUN messages (RFC 8489): what a client needs to learn its server-reflexive
// address, and what a server needs to answer it. Super nodes answer STUN
// (ARCHITECTURE.md section 4) with answer_binding_request().
//
// Parsing is strict and never reads past the datagram: every length is
// checked before use, and anything malformed is refused with a reason.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "parley/abi/net_types.h"

namespace parley::stun {

inline constexpr std::uint32_t kMagicCookie = 0x2112A442;
inline constexpr std::size_t kHeaderBytes = 20;
inline constexpr std::size_t kTransactionIdBytes = 12;
// More attributes than any real message carries; bounds the work per datagram.
inline constexpr std::size_t kMaxAttributes = 64;

using TransactionId = std::array<std::uint8_t, kTransactionIdBytes>;

enum class MessageClass : std::uint8_t {
  request = 0,
  indication = 1,
  success_response = 2,
  error_response = 3
};

inline constexpr std::uint16_t kMethodBinding = 0x001;

// Attribute types (RFC 8489 section 18.3, RFC 5780, RFC 8445).
namespace attr {
inline constexpr std::uint16_t kMappedAddress = 0x0001;
inline constexpr std::uint16_t kChangeRequest = 0x0003;
inline constexpr std::uint16_t kUsername = 0x0006;
inline constexpr std::uint16_t kMessageIntegrity = 0x0008;
inline constexpr std::uint16_t kErrorCode = 0x0009;
inline constexpr std::uint16_t kUnknownAttributes = 0x000A;
inline constexpr std::uint16_t kRealm = 0x0014;
inline constexpr std::uint16_t kNonce = 0x0015;
inline constexpr std::uint16_t kMessageIntegritySha256 = 0x001C;
inline constexpr std::uint16_t kPasswordAlgorithm = 0x001D;
inline constexpr std::uint16_t kUserhash = 0x001E;
inline constexpr std::uint16_t kXorMappedAddress = 0x0020;
inline constexpr std::uint16_t kPriority = 0x0024;
inline constexpr std::uint16_t kUseCandidate = 0x0025;
inline constexpr std::uint16_t kSoftware = 0x8022;
inline constexpr std::uint16_t kFingerprint = 0x8028;
inline constexpr std::uint16_t kIceControlled = 0x8029;
inline constexpr std::uint16_t kIceControlling = 0x802A;

// 0x0000-0x7FFF: a receiver that does not know it must not ignore it.
constexpr bool is_comprehension_required(std::uint16_t type) {
  return type < 0x8000;
}
}  // namespace attr

struct Attribute {
  std::uint16_t type = 0;
  std::span<const std::uint8_t> value;  // without padding
};

// A parsed message. It points into the bytes given to parse(), which must
// outlive it.
struct Message {
  std::uint16_t method = 0;
  MessageClass message_class = MessageClass::request;
  // The field where RFC 8489 puts the magic cookie. Anything else marks a
  // classic RFC 3489 peer, for which this field is part of the transaction id.
  std::uint32_t cookie = kMagicCookie;
  TransactionId transaction_id{};
  std::vector<Attribute> attributes;  // in wire order
  bool has_fingerprint = false;       // present and verified

  [[nodiscard]] bool is_rfc3489() const { return cookie != kMagicCookie; }
  // The first attribute of a type: RFC 8489 section 14 says later ones are ignored.
  [[nodiscard]] const Attribute* find(std::uint16_t type) const;
};

enum class ParseError {
  none,
  truncated_header,      // shorter than the 20-byte header
  not_stun,              // the two leading bits are not zero
  length_not_aligned,    // the length field is not a multiple of 4
  length_mismatch,       // header length and datagram size disagree
  bad_magic_cookie,      // not 0x2112A442 (and classic STUN not accepted)
  truncated_attribute,   // an attribute header runs past the end
  attribute_overruns,    // an attribute's value or padding runs past the end
  too_many_attributes,   // more than kMaxAttributes
  fingerprint_not_last,  // something follows FINGERPRINT
  bad_fingerprint        // FINGERPRINT of the wrong size or value
};
const char* describe(ParseError error);

struct ParseOptions {
  // Servers answer classic RFC 3489 clients too; clients never accept them.
  bool accept_rfc3489 = false;
};

struct ParseResult {
  ParseError error = ParseError::none;
  Message message;
  [[nodiscard]] bool ok() const { return error == ParseError::none; }
};

ParseResult parse(std::span<const std::uint8_t> datagram, ParseOptions options = {});

// Cheap test for demultiplexing STUN from media on one socket (RFC 7983):
// leading bits zero, a plausible length, and the magic cookie.
bool looks_like_stun(std::span<const std::uint8_t> datagram);

// CRC-32 as in ISO/IEC 13239 (the one FINGERPRINT uses, RFC 8489 section 14.7).
std::uint32_t crc32(std::span<const std::uint8_t> bytes);

// Attribute values. nullopt when malformed.
std::optional<parley_address> decode_address(std::span<const std::uint8_t> value);
std::optional<parley_address> decode_xor_address(std::span<const std::uint8_t> value,
                                                 const TransactionId& transaction_id);
// XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS when the server sent only that (RFC
// 8489 section 14.1); nullopt when neither is present and well formed.
std::optional<parley_address> mapped_address(const Message& message);

struct ErrorCode {
  std::uint16_t code = 0;  // 300..699
  std::string_view reason;
};
std::optional<ErrorCode> decode_error_code(std::span<const std::uint8_t> value);

// Builds one message. Attributes are padded with zero bytes; FINGERPRINT, when
// asked for, goes last.
class MessageBuilder {
 public:
  MessageBuilder(std::uint16_t method, MessageClass message_class,
                 const TransactionId& transaction_id, std::uint32_t cookie = kMagicCookie);

  MessageBuilder& add(std::uint16_t type, std::span<const std::uint8_t> value);
  MessageBuilder& add_address(std::uint16_t type, const parley_address& address);
  MessageBuilder& add_xor_address(std::uint16_t type, const parley_address& address);
  MessageBuilder& add_software(std::string_view description);
  MessageBuilder& add_error_code(std::uint16_t code, std::string_view reason);
  MessageBuilder& add_unknown_attributes(std::span<const std::uint16_t> types);
  std::vector<std::uint8_t> finish(bool with_fingerprint);

 private:
  std::vector<std::uint8_t> bytes_;
  TransactionId transaction_id_;
};

// 96 bits from the operating system's CSPRNG (getrandom(2)): the id is all
// that ties a response to its request, so an off-path attacker must not be
// able to guess it. Throws std::system_error if no randomness is available.
TransactionId random_transaction_id();

// Client side.
std::vector<std::uint8_t> build_binding_request(const TransactionId& transaction_id);

struct BindingResponse {
  enum class Kind {
    stray,    // not the answer to this request: keep waiting
    mapped,   // success; address holds the server-reflexive address
    error,    // error response; error holds code and reason
    unusable  // a success response this client must not use
  };
  Kind kind = Kind::stray;
  parley_address address{};
  ErrorCode error{};
  const char* detail = "";
};
// Reads a datagram that arrived while waiting for the Binding request with
// transaction_id. The result's error.reason points into datagram.
BindingResponse read_binding_response(std::span<const std::uint8_t> datagram,
                                      const TransactionId& transaction_id);

// Server side.
struct ServerOptions {
  std::string_view software;  // SOFTWARE attribute, left out when empty
};
// A success response carrying mapped as XOR-MAPPED-ADDRESS, with FINGERPRINT.
std::vector<std::uint8_t> build_binding_success(const TransactionId& transaction_id,
                                                const parley_address& mapped,
                                                const ServerOptions& options = {});
// What a STUN server sends back for a datagram from source: a Binding success
// response, an error response (400 unknown method or malformed attribute, 420
// unknown comprehension-required attribute or a CHANGE-REQUEST this single-
// address server cannot honour), or nothing (nullopt) for anything that is not
// a well-formed request. Classic RFC 3489 clients get MAPPED-ADDRESS and their
// own 128-bit id back, as RFC 8489's backwards-compatibility rules ask.
std::optional<std::vector<std::uint8_t>> answer_binding_request(
    std::span<const std::uint8_t> datagram, const parley_address& source,
    const ServerOptions& options = {});

}  // namespace parley::stun
