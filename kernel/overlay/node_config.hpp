// The [node] section of parley.conf. config::Settings ignores sections it does
// not know, so the overlay reads its own from the same file.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>

#include "identity/signing_key.hpp"
#include "overlay/promotion.hpp"
#include "overlay/relay_rate.hpp"

namespace parley::overlay {

struct NodeConfig {
  PromotionPolicy promotion = PromotionPolicy::automatic;
  std::chrono::milliseconds keep_alive_interval{60'000};  // the seed saw 60 s
  std::chrono::milliseconds keep_alive_timeout{20'000};   // no ack within: super node lost
  std::chrono::milliseconds connect_timeout{3'000};
  std::size_t max_clients = 1000;
  std::size_t max_peers = 64;
  std::size_t max_connections = 2048;
  std::size_t max_connections_per_address = 32;
  unsigned upload_kbps = 0;  // for the promotion rule; 0: unknown
  // Super node: the login server whose certificates it accepts; empty: no users.
  std::optional<identity::PublicKey> login_server_key;
  std::size_t max_relayed_calls = 200;  // media relay slots at once
  // Per relayed call, both directions together; bursts of kRelayBurstSeconds of it.
  std::size_t relay_bytes_per_s = kDefaultRelayBytesPerS;
};

// Reads [node] from file (other sections are skipped). Throws
// std::runtime_error naming the line when a [node] value is malformed.
void read_node_config(const std::filesystem::path& file, NodeConfig& config);

}  // namespace parley::overlay
