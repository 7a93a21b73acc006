// The presence a user's node publishes about itself (ClientNode's half of
// "Presence" in docs/overlay.md), kept apart from the network so its rules can
// be tested alone: which fields the next record carries, a sequence that keeps
// growing across restarts, and how often the record is renewed.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "directory/presence_record.hpp"

namespace parley::overlay {

// Shortest lifetime accepted: a record is renewed at half of it, and renewing
// more than once a second would only load the directory.
inline constexpr std::chrono::milliseconds kMinPresenceLifetime{2'000};

class OwnPresence {
 public:
  // lifetime is clamped to [kMinPresenceLifetime, directory::kMaxPresenceLifetime];
  // display_name is cut to directory::kMaxDisplayNameBytes at a UTF-8 boundary.
  OwnPresence(std::string user_id, std::string display_name, std::vector<std::uint8_t> certificate,
              std::chrono::milliseconds lifetime);

  void set_status(directory::Status status) { status_ = status; }
  [[nodiscard]] directory::Status status() const { return status_; }

  // Keeps the first directory::kMaxMediaAddresses entries that are host:port
  // and short enough for a record; returns how many were left out.
  std::size_t set_media_addresses(std::vector<std::string> host_ports);
  [[nodiscard]] const std::vector<std::string>& media_addresses() const { return media_; }

  void set_super_node(std::string host_port, std::optional<identity::PublicKey> key);
  // A renewed certificate: the next record carries it.
  void set_certificate(std::vector<std::uint8_t> certificate) {
    certificate_ = std::move(certificate);
  }

  // The next record's content as of now: issued now, expiring a lifetime
  // later, with a sequence above every earlier one: max(last + 1, now in Unix
  // ms), so a restarted node (which forgot its last sequence) still goes up.
  // status_override: the record says this instead (stop() says offline). An
  // offline record keeps the super node (super nodes publish only records
  // naming themselves) but carries no media addresses.
  directory::Presence next(identity::Clock::time_point now,
                           std::optional<directory::Status> status_override = std::nullopt);
  [[nodiscard]] std::uint64_t last_sequence() const { return last_sequence_; }

  [[nodiscard]] std::chrono::milliseconds lifetime() const { return lifetime_; }
  // Renewed at half the lifetime: one lost publish still leaves time for the next.
  [[nodiscard]] std::chrono::milliseconds renew_interval() const { return lifetime_ / 2; }

 private:
  std::string user_id_;
  std::string display_name_;
  std::vector<std::uint8_t> certificate_;
  std::chrono::milliseconds lifetime_;
  directory::Status status_ = directory::Status::online;
  std::vector<std::string> media_;
  std::string super_node_;
  std::optional<identity::PublicKey> super_node_key_;
  std::uint64_t last_sequence_ = 0;
};

}  // namespace parley::overlay
