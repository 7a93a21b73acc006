#include "overlay/client_presence.hpp"

#include <algorithm>

#include "net/tls_client.hpp"

namespace parley::overlay {
namespace {

// Cuts text to at most max_bytes without splitting a UTF-8 sequence.
std::string cut_utf8(std::string text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  // Continuation bytes are 10xxxxxx: back up to the start of their sequence.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) --end;
  text.resize(end);
  return text;
}

std::int64_t unix_ms_of(identity::Clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

}  // namespace

OwnPresence::OwnPresence(std::string user_id, std::string display_name,
                         std::vector<std::uint8_t> certificate, std::chrono::milliseconds lifetime)
    : user_id_(std::move(user_id)),
      display_name_(cut_utf8(std::move(display_name), directory::kMaxDisplayNameBytes)),
      certificate_(std::move(certificate)),
      lifetime_(std::clamp(
          lifetime, kMinPresenceLifetime,
          std::chrono::duration_cast<std::chrono::milliseconds>(directory::kMaxPresenceLifetime))) {
}

std::size_t OwnPresence::set_media_addresses(std::vector<std::string> host_ports) {
  media_.clear();
  std::size_t left_out = 0;
  for (auto& address : host_ports) {
    const bool fits = media_.size() < directory::kMaxMediaAddresses &&
                      address.size() <= directory::kMaxAddressBytes &&
                      net::parse_host_port(address).has_value();
    if (fits) {
      media_.push_back(std::move(address));
    } else {
      ++left_out;
    }
  }
  return left_out;
}

void OwnPresence::set_super_node(std::string host_port, std::optional<identity::PublicKey> key) {
  super_node_ = std::move(host_port);
  super_node_key_ = key;
}

directory::Presence OwnPresence::next(identity::Clock::time_point now,
                                      std::optional<directory::Status> status_override) {
  const auto now_ms = unix_ms_of(now);
  last_sequence_ =
      std::max(last_sequence_ + 1, static_cast<std::uint64_t>(std::max<std::int64_t>(now_ms, 0)));
  directory::Presence presence;
  presence.user_id = user_id_;
  presence.display_name = display_name_;
  presence.certificate = certificate_;
  presence.super_node = super_node_;
  presence.super_node_key = super_node_key_;
  presence.status = status_override.value_or(status_);
  // An offline user takes no calls: where to send media is nobody's business.
  if (presence.status != directory::Status::offline) presence.media_addresses = media_;
  presence.issued_at_ms = now_ms;
  presence.expires_at_ms = now_ms + lifetime_.count();
  presence.sequence = last_sequence_;
  return presence;
}

}  // namespace parley::overlay
