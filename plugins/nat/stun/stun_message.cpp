#include "stun_message.hpp"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>

namespace parley::stun {
namespace {

constexpr std::uint32_t kFingerprintXor = 0x5354554e;  // "STUN"
constexpr std::size_t kAttributeHeaderBytes = 4;
constexpr std::size_t kMaxMessageBodyBytes = 0xFFFF & ~std::size_t{3};
// RFC 8489 section 14.8: at most 127 characters, 763 bytes of UTF-8.
constexpr std::size_t kMaxReasonBytes = 763;
constexpr std::uint8_t kFamilyIpv4 = 0x01;
constexpr std::uint8_t kFamilyIpv6 = 0x02;
constexpr std::uint32_t kChangeIpFlag = 0x04;
constexpr std::uint32_t kChangePortFlag = 0x02;

std::uint16_t read16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
std::uint32_t read32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}
void append16(std::vector<std::uint8_t>& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}
void append32(std::vector<std::uint8_t>& out, std::uint32_t value) {
  append16(out, static_cast<std::uint16_t>(value >> 16));
  append16(out, static_cast<std::uint16_t>(value));
}
void write16(std::uint8_t* p, std::uint16_t value) {
  p[0] = static_cast<std::uint8_t>(value >> 8);
  p[1] = static_cast<std::uint8_t>(value);
}

constexpr std::size_t padded(std::size_t length) {
  return (length + 3) & ~std::size_t{3};
}

// RFC 8489 section 5: the class bits C1 C0 sit at type bits 8 and 4, between
// the method's bits.
std::uint16_t message_type(std::uint16_t method, MessageClass message_class) {
  const auto c = static_cast<std::uint16_t>(message_class);
  return static_cast<std::uint16_t>(((method & 0x0F80) << 2) | ((method & 0x0070) << 1) |
                                    (method & 0x000F) | ((c & 2) << 7) | ((c & 1) << 4));
}

constexpr std::array<std::uint32_t, 256> make_crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t n = 0; n < 256; ++n) {
    std::uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[n] = c;
  }
  return table;
}
constexpr auto kCrcTable = make_crc_table();

// The XOR mask for an address: the magic cookie, then (IPv6) the transaction id.
std::array<std::uint8_t, 16> xor_mask(const TransactionId& transaction_id) {
  std::array<std::uint8_t, 16> mask{0x21, 0x12, 0xA4, 0x42};
  std::copy(transaction_id.begin(), transaction_id.end(), mask.begin() + 4);
  return mask;
}

std::optional<parley_address> decode_address_with(std::span<const std::uint8_t> value,
                                                  const std::array<std::uint8_t, 16>* mask) {
  if (value.size() < 4) return std::nullopt;
  const std::uint8_t family = value[1];
  const std::size_t bytes = family == kFamilyIpv4 ? 4 : family == kFamilyIpv6 ? 16 : 0;
  if (bytes == 0 || value.size() != 4 + bytes) return std::nullopt;
  parley_address address{};
  address.family = family == kFamilyIpv4 ? 4 : 6;
  address.port = read16(&value[2]);
  if (mask != nullptr) address.port ^= static_cast<std::uint16_t>(kMagicCookie >> 16);
  for (std::size_t i = 0; i < bytes; ++i) {
    address.bytes[i] = static_cast<std::uint8_t>(value[4 + i] ^ (mask ? (*mask)[i] : 0));
  }
  // Some servers answer IPv4 clients of dual-stack sockets with ::ffff:a.b.c.d.
  static constexpr std::array<std::uint8_t, 12> kV4Mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (address.family == 6 && std::equal(kV4Mapped.begin(), kV4Mapped.end(), address.bytes)) {
    std::copy_n(address.bytes + 12, 4, address.bytes);
    std::fill(address.bytes + 4, address.bytes + 16, std::uint8_t{0});
    address.family = 4;
  }
  return address;
}

// Attributes a Binding server understands, or knows it may ignore because it
// runs without credentials (authentication is optional for Binding).
bool binding_server_understands(std::uint16_t type) {
  switch (type) {
    case attr::kChangeRequest:
    case attr::kUsername:
    case attr::kMessageIntegrity:
    case attr::kMessageIntegritySha256:
    case attr::kRealm:
    case attr::kNonce:
    case attr::kUserhash:
    case attr::kPasswordAlgorithm:
    case attr::kPriority:
    case attr::kUseCandidate: return true;
    default: return !attr::is_comprehension_required(type);
  }
}

std::vector<std::uint8_t> error_response(const Message& request, std::uint16_t code,
                                         std::string_view reason,
                                         std::span<const std::uint16_t> unknown = {}) {
  MessageBuilder builder(request.method, MessageClass::error_response, request.transaction_id,
                         request.cookie);
  if (!request.is_rfc3489()) {
    builder.add_error_code(code, reason);
    if (!unknown.empty()) builder.add_unknown_attributes(unknown);
    return builder.finish(true);
  }
  // RFC 3489 (section 11.2.9, 11.2.10) has no padding: the reason phrase is
  // spaces-filled to a multiple of 4 and an odd list of unknown attributes
  // repeats one, so classic parsers stay aligned.
  std::string aligned_reason(reason);
  aligned_reason.resize(padded(aligned_reason.size()), ' ');
  builder.add_error_code(code, aligned_reason);
  if (!unknown.empty()) {
    std::vector<std::uint16_t> list(unknown.begin(), unknown.end());
    if (list.size() % 2 != 0) list.push_back(list.back());
    builder.add_unknown_attributes(list);
  }
  return builder.finish(false);
}

}  // namespace

const Attribute* Message::find(std::uint16_t type) const {
  const auto it = std::find_if(attributes.begin(), attributes.end(),
                               [type](const Attribute& a) { return a.type == type; });
  return it == attributes.end() ? nullptr : &*it;
}

const char* describe(ParseError error) {
  switch (error) {
    case ParseError::none: return "well formed";
    case ParseError::truncated_header: return "shorter than a STUN header";
    case ParseError::not_stun: return "leading bits are not zero";
    case ParseError::length_not_aligned: return "length is not a multiple of 4";
    case ParseError::length_mismatch: return "length field disagrees with the datagram size";
    case ParseError::bad_magic_cookie: return "no magic cookie";
    case ParseError::truncated_attribute: return "attribute header cut off";
    case ParseError::attribute_overruns: return "attribute runs past the end of the message";
    case ParseError::too_many_attributes: return "too many attributes";
    case ParseError::fingerprint_not_last: return "attribute after FINGERPRINT";
    case ParseError::bad_fingerprint: return "FINGERPRINT does not match";
  }
  return "unknown parse error";
}

std::uint32_t crc32(std::span<const std::uint8_t> bytes) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (const auto byte : bytes) c = kCrcTable[(c ^ byte) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

ParseResult parse(std::span<const std::uint8_t> datagram, ParseOptions options) {
  ParseResult result;
  auto fail = [&result](ParseError error) {
    result.error = error;
    result.message.attributes.clear();
    return std::move(result);
  };
  if (datagram.size() < kHeaderBytes) return fail(ParseError::truncated_header);
  const auto* bytes = datagram.data();
  if ((bytes[0] & 0xC0) != 0) return fail(ParseError::not_stun);
  const std::size_t length = read16(bytes + 2);
  if (length % 4 != 0) return fail(ParseError::length_not_aligned);
  // One datagram carries exactly one message; trailing bytes are not STUN's.
  if (kHeaderBytes + length != datagram.size()) return fail(ParseError::length_mismatch);
  auto& message = result.message;
  message.cookie = read32(bytes + 4);
  if (message.is_rfc3489() && !options.accept_rfc3489) return fail(ParseError::bad_magic_cookie);
  const std::uint16_t type = read16(bytes);
  message.method =
      static_cast<std::uint16_t>(((type & 0x3E00) >> 2) | ((type & 0x00E0) >> 1) | (type & 0x000F));
  message.message_class = static_cast<MessageClass>(((type >> 7) & 2) | ((type >> 4) & 1));
  std::copy_n(bytes + 8, kTransactionIdBytes, message.transaction_id.begin());

  std::size_t offset = kHeaderBytes;
  while (offset < datagram.size()) {
    const std::size_t left = datagram.size() - offset;
    if (left < kAttributeHeaderBytes) return fail(ParseError::truncated_attribute);
    const std::uint16_t attribute_type = read16(bytes + offset);
    const std::size_t value_length = read16(bytes + offset + 2);
    if (padded(value_length) > left - kAttributeHeaderBytes) {
      return fail(ParseError::attribute_overruns);
    }
    if (message.attributes.size() == kMaxAttributes) return fail(ParseError::too_many_attributes);
    const auto value = datagram.subspan(offset + kAttributeHeaderBytes, value_length);
    // Classic STUN has no FINGERPRINT; there 0x8028 is just an unknown
    // optional attribute.
    if (attribute_type == attr::kFingerprint && !message.is_rfc3489()) {
      if (value_length != 4) return fail(ParseError::bad_fingerprint);
      if (offset + kAttributeHeaderBytes + 4 != datagram.size()) {
        return fail(ParseError::fingerprint_not_last);
      }
      // The header's length already counts FINGERPRINT, as the sender's did.
      const auto expected = crc32(datagram.first(offset)) ^ kFingerprintXor;
      if (read32(value.data()) != expected) return fail(ParseError::bad_fingerprint);
      message.has_fingerprint = true;
    }
    message.attributes.push_back({attribute_type, value});
    offset += kAttributeHeaderBytes + padded(value_length);
  }
  return result;
}

bool looks_like_stun(std::span<const std::uint8_t> datagram) {
  return datagram.size() >= kHeaderBytes && (datagram[0] & 0xC0) == 0 &&
         read16(&datagram[2]) % 4 == 0 && read32(&datagram[4]) == kMagicCookie;
}

std::optional<parley_address> decode_address(std::span<const std::uint8_t> value) {
  return decode_address_with(value, nullptr);
}

std::optional<parley_address> decode_xor_address(std::span<const std::uint8_t> value,
                                                 const TransactionId& transaction_id) {
  const auto mask = xor_mask(transaction_id);
  return decode_address_with(value, &mask);
}

std::optional<parley_address> mapped_address(const Message& message) {
  // XOR-MAPPED-ADDRESS exists because NATs rewrite addresses they find in
  // payloads; it means nothing without the magic cookie.
  if (!message.is_rfc3489()) {
    if (const auto* xored = message.find(attr::kXorMappedAddress)) {
      return decode_xor_address(xored->value, message.transaction_id);
    }
  }
  if (const auto* plain = message.find(attr::kMappedAddress)) return decode_address(plain->value);
  return std::nullopt;
}

std::optional<ErrorCode> decode_error_code(std::span<const std::uint8_t> value) {
  if (value.size() < 4 || value.size() > 4 + kMaxReasonBytes) return std::nullopt;
  const unsigned error_class = value[2] & 0x07;
  const unsigned number = value[3];
  if (error_class < 3 || error_class > 6 || number > 99) return std::nullopt;
  const auto* reason = reinterpret_cast<const char*>(value.data() + 4);
  return ErrorCode{static_cast<std::uint16_t>(error_class * 100 + number),
                   std::string_view(reason, value.size() - 4)};
}

MessageBuilder::MessageBuilder(std::uint16_t method, MessageClass message_class,
                               const TransactionId& transaction_id, std::uint32_t cookie)
    : transaction_id_(transaction_id) {
  bytes_.reserve(128);
  append16(bytes_, message_type(method, message_class));
  append16(bytes_, 0);  // length, set by finish()
  append32(bytes_, cookie);
  bytes_.insert(bytes_.end(), transaction_id.begin(), transaction_id.end());
}

MessageBuilder& MessageBuilder::add(std::uint16_t type, std::span<const std::uint8_t> value) {
  const auto body = bytes_.size() - kHeaderBytes;
  // Leaves room for FINGERPRINT so finish() can never overflow the length field.
  if (value.size() > 0xFFFF ||
      body + kAttributeHeaderBytes + padded(value.size()) + 8 > kMaxMessageBodyBytes) {
    throw std::length_error("STUN message too long");
  }
  append16(bytes_, type);
  append16(bytes_, static_cast<std::uint16_t>(value.size()));
  bytes_.insert(bytes_.end(), value.begin(), value.end());
  bytes_.resize(bytes_.size() + padded(value.size()) - value.size(), 0);
  return *this;
}

MessageBuilder& MessageBuilder::add_address(std::uint16_t type, const parley_address& address) {
  if (address.family != 4 && address.family != 6) {
    throw std::invalid_argument("STUN address of unknown family");
  }
  const std::size_t count = address.family == 4 ? 4 : 16;
  std::vector<std::uint8_t> value{0, address.family == 4 ? kFamilyIpv4 : kFamilyIpv6};
  append16(value, address.port);
  value.insert(value.end(), address.bytes, address.bytes + count);
  return add(type, value);
}

MessageBuilder& MessageBuilder::add_xor_address(std::uint16_t type, const parley_address& address) {
  parley_address xored = address;
  xored.port ^= static_cast<std::uint16_t>(kMagicCookie >> 16);
  const auto mask = xor_mask(transaction_id_);
  for (std::size_t i = 0; i < 16; ++i) xored.bytes[i] ^= mask[i];
  return add_address(type, xored);
}

MessageBuilder& MessageBuilder::add_software(std::string_view description) {
  const auto* data = reinterpret_cast<const std::uint8_t*>(description.data());
  return add(attr::kSoftware, {data, std::min(description.size(), kMaxReasonBytes)});
}

MessageBuilder& MessageBuilder::add_error_code(std::uint16_t code, std::string_view reason) {
  if (code < 300 || code > 699) throw std::invalid_argument("STUN error code outside 300-699");
  std::vector<std::uint8_t> value{0, 0, static_cast<std::uint8_t>(code / 100),
                                  static_cast<std::uint8_t>(code % 100)};
  reason = reason.substr(0, kMaxReasonBytes);
  value.insert(value.end(), reason.begin(), reason.end());
  return add(attr::kErrorCode, value);
}

MessageBuilder& MessageBuilder::add_unknown_attributes(std::span<const std::uint16_t> types) {
  std::vector<std::uint8_t> value;
  for (const auto type : types) append16(value, type);
  return add(attr::kUnknownAttributes, value);
}

std::vector<std::uint8_t> MessageBuilder::finish(bool with_fingerprint) {
  auto body = bytes_.size() - kHeaderBytes;
  if (with_fingerprint) {
    // The CRC covers the header with its length already counting FINGERPRINT.
    write16(&bytes_[2], static_cast<std::uint16_t>(body + 8));
    const auto fingerprint = crc32(bytes_) ^ kFingerprintXor;
    append16(bytes_, attr::kFingerprint);
    append16(bytes_, 4);
    append32(bytes_, fingerprint);
    body += 8;
  }
  write16(&bytes_[2], static_cast<std::uint16_t>(body));
  return std::move(bytes_);
}

TransactionId random_transaction_id() {
  TransactionId id{};
  std::size_t filled = 0;
  while (filled < id.size()) {
    const auto got = ::getrandom(id.data() + filled, id.size() - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw std::system_error(errno, std::system_category(), "getrandom");
    }
    filled += static_cast<std::size_t>(got);
  }
  return id;
}

std::vector<std::uint8_t> build_binding_request(const TransactionId& transaction_id) {
  // FINGERPRINT lets the server (and anything demultiplexing the socket) tell
  // this request from media that happens to look like STUN.
  return MessageBuilder(kMethodBinding, MessageClass::request, transaction_id).finish(true);
}

BindingResponse read_binding_response(std::span<const std::uint8_t> datagram,
                                      const TransactionId& transaction_id) {
  BindingResponse response;
  const auto parsed = parse(datagram);
  if (!parsed.ok()) {
    response.detail = describe(parsed.error);
    return response;
  }
  const auto& message = parsed.message;
  const bool is_response = message.message_class == MessageClass::success_response ||
                           message.message_class == MessageClass::error_response;
  if (!is_response || message.method != kMethodBinding ||
      message.transaction_id != transaction_id) {
    response.detail = "not the response to this request";
    return response;
  }
  if (message.message_class == MessageClass::error_response) {
    const auto* attribute = message.find(attr::kErrorCode);
    const auto code = attribute ? decode_error_code(attribute->value) : std::nullopt;
    response.kind = BindingResponse::Kind::error;
    // RFC 8489 section 6.3.4: an error response without a valid ERROR-CODE
    // still ends the transaction; treat it as a server error.
    response.error = code.value_or(ErrorCode{500, "malformed error response"});
    response.detail = "error response";
    return response;
  }
  // RFC 8489 section 6.3.3: unknown comprehension-required attributes make a
  // success response unusable.
  for (const auto& attribute : message.attributes) {
    const bool understood = !attr::is_comprehension_required(attribute.type) ||
                            attribute.type == attr::kXorMappedAddress ||
                            attribute.type == attr::kMappedAddress ||
                            attribute.type == attr::kMessageIntegrity ||
                            attribute.type == attr::kMessageIntegritySha256;
    if (!understood) {
      response.kind = BindingResponse::Kind::unusable;
      response.detail = "unknown comprehension-required attribute";
      return response;
    }
  }
  const auto address = mapped_address(message);
  if (!address) {
    response.kind = BindingResponse::Kind::unusable;
    response.detail = "no well-formed mapped address";
    return response;
  }
  response.kind = BindingResponse::Kind::mapped;
  response.address = *address;
  response.detail = "mapped";
  return response;
}

std::vector<std::uint8_t> build_binding_success(const TransactionId& transaction_id,
                                                const parley_address& mapped,
                                                const ServerOptions& options) {
  MessageBuilder builder(kMethodBinding, MessageClass::success_response, transaction_id);
  builder.add_xor_address(attr::kXorMappedAddress, mapped);
  if (!options.software.empty()) builder.add_software(options.software);
  return builder.finish(true);
}

std::optional<std::vector<std::uint8_t>> answer_binding_request(
    std::span<const std::uint8_t> datagram, const parley_address& source,
    const ServerOptions& options) {
  if (source.family != 4 && source.family != 6) return std::nullopt;
  const auto parsed = parse(datagram, {.accept_rfc3489 = true});
  // Silence, not an error response, for anything that is not a request: a
  // reply to garbage would make this server a reflector.
  if (!parsed.ok() || parsed.message.message_class != MessageClass::request) return std::nullopt;
  const auto& request = parsed.message;
  if (request.method != kMethodBinding) return error_response(request, 400, "Bad Request");

  std::vector<std::uint16_t> unknown;
  for (const auto& attribute : request.attributes) {
    if (!binding_server_understands(attribute.type) &&
        std::find(unknown.begin(), unknown.end(), attribute.type) == unknown.end()) {
      unknown.push_back(attribute.type);
    }
  }
  if (!unknown.empty()) return error_response(request, 420, "Unknown Attribute", unknown);
  if (const auto* change = request.find(attr::kChangeRequest)) {
    if (change->value.size() != 4) return error_response(request, 400, "Bad Request");
    // RFC 5780: a server without an alternate address cannot answer from
    // another address or port, so it must not pretend to.
    if ((read32(change->value.data()) & (kChangeIpFlag | kChangePortFlag)) != 0) {
      const std::uint16_t change_request[] = {attr::kChangeRequest};
      return error_response(request, 420, "Unknown Attribute", change_request);
    }
  }
  if (request.is_rfc3489()) {
    MessageBuilder builder(kMethodBinding, MessageClass::success_response, request.transaction_id,
                           request.cookie);
    builder.add_address(attr::kMappedAddress, source);
    return builder.finish(false);
  }
  return build_binding_success(request.transaction_id, source, options);
}

}  // namespace parley::stun
