// One directory node: an OpenDHT DhtRunner on its own threads, bound to the
// configured address, joined to the configured bootstrap nodes and to nothing
// else (no public bootstrap, no multicast peer discovery, a network id of its
// own so it never mixes with the public OpenDHT network).
#pragma once

#include <opendht/dhtrunner.h>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <span>
#include <string_view>
#include <vector>

#include "parley/sdk/directory.hpp"

namespace parley::opendht_directory {

// The longest ttl a publish may ask for. OpenDHT gives every value of a type
// the same lifetime, counted from its creation time; the node registers its
// type with this lifetime and backdates each value's creation by
// (kMaxTtl - ttl), so that every storage node drops it when its own ttl ends.
inline constexpr std::chrono::seconds kMaxTtl = std::chrono::hours(24);

class DhtNode {
 public:
  explicit DhtNode(const sdk::DirectoryConfig& config);
  DhtNode(const DhtNode&) = delete;
  DhtNode& operator=(const DhtNode&) = delete;
  ~DhtNode();

  void publish(std::string_view key, std::span<const std::uint8_t> record,
               std::chrono::seconds ttl);
  void lookup(std::string_view key, std::chrono::milliseconds timeout,
              const sdk::RecordVisitor& visit);
  void lookup_prefix(std::string_view prefix, std::chrono::milliseconds timeout,
                     const sdk::RecordVisitor& visit);
  std::uint64_t listen(std::string_view key, sdk::ChangeVisitor visit);
  void unlisten(std::uint64_t token);
  [[nodiscard]] std::uint32_t peer_count() const;
  // The UDP port the engine bound: the one the OS chose for a listen port of 0.
  [[nodiscard]] std::uint16_t bound_port() const;
  // One more node to join through, learnt while running: an IP literal with a
  // port (never a name: the address may come from another machine, and
  // resolving it would let that machine make this one query any name).
  void bootstrap(std::string_view address);

  class Listener;  // one listen: its visitor and what it has reported

 private:
  struct Subscription {
    dht::InfoHash topic;
    std::shared_future<std::size_t> dht_token;
    std::shared_ptr<Listener> listener;
  };

  // Every value of this plugin's type found at topic until the search ends or
  // the deadline passes; complete tells which.
  std::vector<std::shared_ptr<dht::Value>> collect(const dht::InfoHash& topic,
                                                   std::chrono::milliseconds timeout,
                                                   bool& complete);
  std::uint64_t next_publish_unix_ms();
  dht::Value::Id fresh_value_id();

  dht::DhtRunner runner_;
  sa_family_t family_ = AF_INET;  // of the listen address
  std::mutex mutex_;              // guards the members below
  std::map<std::uint64_t, Subscription> subscriptions_;
  std::uint64_t next_token_ = 1;
  std::uint64_t last_publish_unix_ms_ = 0;
  std::mt19937_64 value_ids_;
};

}  // namespace parley::opendht_directory
