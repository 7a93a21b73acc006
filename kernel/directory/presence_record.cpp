#include "directory/presence_record.hpp"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <limits>

#include "identity/user_id.hpp"
#include "net/byte_view.hpp"
#include "net/tls_client.hpp"
#include "proto/presence.pb.h"

namespace parley::directory {
namespace {

constexpr std::int64_t kMaxLifetimeMs = kMaxPresenceLifetime.count();
constexpr std::int64_t kClockSkewMs = kPresenceClockSkew.count();

presence::Status to_proto(Status status) {
  switch (status) {
    case Status::online: return presence::STATUS_ONLINE;
    case Status::away: return presence::STATUS_AWAY;
    case Status::busy: return presence::STATUS_BUSY;
    case Status::offline: return presence::STATUS_OFFLINE;
  }
  return presence::STATUS_UNSPECIFIED;
}

std::optional<Status> from_proto(int status) {
  switch (status) {
    case presence::STATUS_ONLINE: return Status::online;
    case presence::STATUS_AWAY: return Status::away;
    case presence::STATUS_BUSY: return Status::busy;
    case presence::STATUS_OFFLINE: return Status::offline;
    default: return std::nullopt;
  }
}

// Display names and addresses end up on screens and in log lines: no control
// characters (which could rewrite a terminal), UTF-8 is left to protobuf.
bool has_control_character(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

std::optional<std::string> address_problem(std::string_view what, std::string_view address) {
  if (address.size() > kMaxAddressBytes) {
    return std::string(what) + " is longer than " + std::to_string(kMaxAddressBytes) + " bytes";
  }
  if (has_control_character(address) || address.find(' ') != std::string_view::npos ||
      !net::parse_host_port(address)) {
    return std::string(what) + " is not a host:port";
  }
  return std::nullopt;
}

// The bounds every record keeps, checked by the signer and by every reader
// alike, so a node never publishes what readers would refuse.
std::optional<std::string> bounds_problem(const Presence& presence) {
  if (auto problem = identity::user_id_problem(presence.user_id)) {
    return "the record's user id is invalid: " + *problem;
  }
  if (auto problem = display_name_problem(presence.display_name)) return problem;
  if (presence.certificate.empty() ||
      presence.certificate.size() > identity::kMaxCertificateBytes) {
    return "the record's certificate is missing or too long";
  }
  if (!presence.super_node.empty()) {
    if (auto problem = address_problem("the super node address", presence.super_node)) {
      return problem;
    }
  }
  if (presence.media_addresses.size() > kMaxMediaAddresses) {
    return "the record lists more than " + std::to_string(kMaxMediaAddresses) + " media addresses";
  }
  for (const auto& address : presence.media_addresses) {
    if (auto problem = address_problem("a media address", address)) return problem;
  }
  if (presence.issued_at_ms < 0 || presence.expires_at_ms <= presence.issued_at_ms) {
    return "the record expires before it is issued";
  }
  if (presence.expires_at_ms - presence.issued_at_ms > kMaxLifetimeMs) {
    return "the record's lifetime is longer than " + std::to_string(kMaxLifetimeMs / 1000) + " s";
  }
  return std::nullopt;
}

// Protobuf's default serialisation may order map entries and unknown fields
// freely; the deterministic one gives one byte string per body, so signing
// the same presence twice gives the same signed bytes.
std::string serialize_deterministic(const presence::PresenceBody& body) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    if (!body.SerializeToCodedStream(&coded)) {
      throw identity::IdentityError("cannot serialise a presence body");
    }
  }  // the coded stream flushes into out when it goes
  return out;
}

presence::PresenceBody to_body(const Presence& presence) {
  presence::PresenceBody body;
  body.set_user_id(presence.user_id);
  body.set_display_name(presence.display_name);
  body.set_certificate(presence.certificate.data(), presence.certificate.size());
  body.set_super_node(presence.super_node);
  if (presence.super_node_key) {
    const auto& key = presence.super_node_key->bytes;
    body.set_super_node_key(key.data(), key.size());
  }
  for (const auto& address : presence.media_addresses) body.add_media_addresses(address);
  body.set_status(to_proto(presence.status));
  body.set_issued_at_ms(static_cast<std::uint64_t>(presence.issued_at_ms));
  body.set_expires_at_ms(static_cast<std::uint64_t>(presence.expires_at_ms));
  body.set_sequence(presence.sequence);
  return body;
}

// The body as a Presence, or why it cannot be one (fields the proto allows
// but a record may not hold).
std::optional<std::string> from_body(const presence::PresenceBody& body, Presence& out) {
  constexpr auto kMaxTime = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (body.media_addresses_size() > static_cast<int>(kMaxMediaAddresses)) {
    return "the record lists more than " + std::to_string(kMaxMediaAddresses) + " media addresses";
  }
  const auto status = from_proto(body.status());
  if (!status) return "the record's status is unspecified or unknown";
  if (!body.super_node_key().empty() && body.super_node_key().size() != identity::kPublicKeyBytes) {
    return "the super node key is not " + std::to_string(identity::kPublicKeyBytes) + " bytes";
  }
  if (body.issued_at_ms() > kMaxTime || body.expires_at_ms() > kMaxTime) {
    return "the record's times are out of range";
  }
  out.user_id = body.user_id();
  out.display_name = body.display_name();
  out.certificate.assign(body.certificate().begin(), body.certificate().end());
  out.super_node = body.super_node();
  if (!body.super_node_key().empty()) {
    const auto& key = body.super_node_key();
    out.super_node_key = identity::PublicKey::from_bytes(net::byte_view(key));
  }
  out.media_addresses.assign(body.media_addresses().begin(), body.media_addresses().end());
  out.status = *status;
  out.issued_at_ms = static_cast<std::int64_t>(body.issued_at_ms());
  out.expires_at_ms = static_cast<std::int64_t>(body.expires_at_ms());
  out.sequence = body.sequence();
  return bounds_problem(out);
}

PresenceCheck refused(std::string error) {
  PresenceCheck check;
  check.error = std::move(error);
  return check;
}

}  // namespace

std::optional<std::string> display_name_problem(std::string_view display_name) {
  if (display_name.size() > kMaxDisplayNameBytes) {
    return "the display name is longer than " + std::to_string(kMaxDisplayNameBytes) + " bytes";
  }
  if (has_control_character(display_name)) {
    return "the display name holds control characters (newlines, tabs...)";
  }
  return std::nullopt;
}

std::string_view status_name(Status status) {
  switch (status) {
    case Status::online: return "online";
    case Status::away: return "away";
    case Status::busy: return "busy";
    case Status::offline: return "offline";
  }
  return "unknown";
}

std::optional<Status> parse_status(std::string_view text) {
  for (auto status : {Status::online, Status::away, Status::busy, Status::offline}) {
    if (status_name(status) == text) return status;
  }
  return std::nullopt;
}

std::int64_t unix_ms(identity::Clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

std::vector<std::uint8_t> sign_presence(const Presence& presence,
                                        const identity::SigningKey& identity_key) {
  if (auto problem = bounds_problem(presence)) throw identity::IdentityError(*problem);
  const auto parsed = identity::parse_certificate(presence.certificate);
  if (!parsed.certificate) {
    throw identity::IdentityError("the record's certificate is malformed: " + parsed.error);
  }
  if (parsed.certificate->user_id != presence.user_id) {
    throw identity::IdentityError("the record's certificate is for another user");
  }
  if (parsed.certificate->subject_key != identity_key.public_key()) {
    throw identity::IdentityError("the signing key is not the certificate's subject key");
  }
  const auto body = serialize_deterministic(to_body(presence));
  const auto signature = identity_key.sign(kPresenceContext, net::byte_view(body));
  presence::PresenceRecord record;
  record.set_body(body);
  record.set_signature(signature.data(), signature.size());
  std::vector<std::uint8_t> out(record.ByteSizeLong());
  if (out.size() > kMaxPresenceRecordBytes) {
    throw identity::IdentityError("the signed record is longer than " +
                                  std::to_string(kMaxPresenceRecordBytes) + " bytes");
  }
  if (!record.SerializeToArray(out.data(), static_cast<int>(out.size()))) {
    throw identity::IdentityError("cannot serialise a presence record");
  }
  return out;
}

PresenceCheck verify_presence(std::span<const std::uint8_t> record,
                              const identity::PublicKey& login_server_key,
                              identity::Clock::time_point now, std::string_view expected_user) {
  if (record.empty()) return refused("the presence record is empty");
  if (record.size() > kMaxPresenceRecordBytes) {
    return refused("the presence record is longer than " + std::to_string(kMaxPresenceRecordBytes) +
                   " bytes");
  }
  presence::PresenceRecord outer;
  if (!outer.ParseFromArray(record.data(), static_cast<int>(record.size()))) {
    return refused("the presence record does not parse");
  }
  if (outer.signature().size() != identity::kSignatureBytes) {
    return refused("the presence record's signature is not " +
                   std::to_string(identity::kSignatureBytes) + " bytes");
  }
  presence::PresenceBody body;
  if (!body.ParseFromString(outer.body())) return refused("the presence body does not parse");
  Presence presence;
  if (auto problem = from_body(body, presence)) return refused(std::move(*problem));
  if (!expected_user.empty() && presence.user_id != expected_user) {
    return refused("the record is another user's than the one asked for");
  }

  // Whose record it is comes from the login server's certificate; that the
  // user wrote it, from the signature by the certified key.
  const auto certificate =
      identity::verify_certificate(presence.certificate, login_server_key, now, presence.user_id);
  if (!certificate.ok()) return refused("the record's certificate: " + certificate.reason);
  if (!identity::verify_signature(certificate.certificate->subject_key, kPresenceContext,
                                  net::byte_view(outer.body()),
                                  net::byte_view(outer.signature()))) {
    return refused("the record's signature is not by the certified key");
  }

  const auto now_ms = unix_ms(now);
  if (presence.issued_at_ms > now_ms + kClockSkewMs) {
    return refused("the record is issued in the future");
  }
  if (presence.expires_at_ms <= now_ms) return refused("the record has expired");

  PresenceCheck check;
  check.presence = std::move(presence);
  check.certificate = certificate.certificate;
  return check;
}

}  // namespace parley::directory
