// The kernel's view of a directory interface: an RAII node that keeps its
// plugin's library mapped, lookups that return records as vectors, and
// listen subscriptions that unlisten when they go.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "parley/abi/directory.h"
#include "plugin/plugin_call_error.hpp"
#include "plugin/plugin_registry.hpp"

namespace parley::plugin {

// A record as the directory holds it: signed bytes the kernel made and will
// verify; the plugin neither reads nor checks them.
using DirectoryRecord = std::vector<std::uint8_t>;

struct KeyedRecord {
  std::string key;
  DirectoryRecord record;
};

struct DirectoryChange {
  std::string key;
  DirectoryRecord record;  // the key's record now; empty when expired
  bool expired = false;
};

// Runs on the plugin's own thread. It may cancel other subscriptions but must
// not destroy its own one or the node, nor call lookup, publish or
// peer_count (they would wait for the thread it runs on). An exception it
// throws is logged and dropped.
using DirectoryChangeCallback = std::function<void(const DirectoryChange&)>;

struct DirectoryNodeConfig {
  std::string listen;                  // "host:port", IPv6 in brackets; port 0: any
  std::vector<std::string> bootstrap;  // "host:port" of other directory nodes
  std::string state_dir;               // may be empty
};

class DirectoryNode;
class DirectorySubscription;

class DirectoryPlugin {
 public:
  explicit DirectoryPlugin(const Offer& offer);
  [[nodiscard]] const parley_directory_info& info() const { return *api_->info; }
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] bool supports_listen() const;
  [[nodiscard]] bool supports_prefix() const;
  // Starts a node; throws PluginCallError (INVALID_ARGUMENT for a bad config,
  // IO for an address that cannot be bound).
  [[nodiscard]] DirectoryNode start(const DirectoryNodeConfig& config) const;

 private:
  friend class DirectoryNode;
  friend class DirectorySubscription;
  const parley_directory_api* api_;
  std::size_t api_size_;
  std::string name_;
  std::shared_ptr<const PluginLibrary> library_;
};

class DirectoryNode {
 public:
  DirectoryNode(DirectoryNode&&) noexcept = default;
  DirectoryNode& operator=(DirectoryNode&&) = delete;
  DirectoryNode(const DirectoryNode&) = delete;
  DirectoryNode& operator=(const DirectoryNode&) = delete;
  // Stops the node: it leaves the network; subscriptions still alive go quiet.
  ~DirectoryNode();

  // Returns once the network holds the record; it replaces key's older ones.
  void publish(std::string_view key, std::span<const std::uint8_t> record,
               std::chrono::seconds ttl);
  // Key's current record (empty when there is none). A deadline that ends the
  // search after something was found is not an error; with nothing found it
  // throws PluginCallError(PARLEY_ERR_TIMEOUT), which is not "absent".
  [[nodiscard]] std::vector<DirectoryRecord> lookup(std::string_view key,
                                                    std::chrono::milliseconds timeout) const;
  // Every key starting with prefix, with its record; same deadline rule.
  [[nodiscard]] std::vector<KeyedRecord> lookup_prefix(std::string_view prefix,
                                                       std::chrono::milliseconds timeout) const;
  // Calls on_change (plugin thread) with the current record, then on each change.
  [[nodiscard]] DirectorySubscription listen(std::string_view key,
                                             DirectoryChangeCallback on_change) const;
  [[nodiscard]] std::uint32_t peer_count() const;
  // The UDP port the node bound (the one it chose for a configured port 0);
  // 0 when the plugin cannot tell (directory/1.0 plugins).
  [[nodiscard]] std::uint16_t bound_port() const;
  // Joins through another directory node ("host:port", numeric). False when
  // the plugin has no such call (directory/1.0); throws PluginCallError when
  // it refuses the address.
  bool bootstrap(std::string_view address) const;
  [[nodiscard]] const DirectoryPlugin& plugin() const;

  struct Engine;  // the plugin's node, shared with the subscriptions

 private:
  friend class DirectoryPlugin;
  explicit DirectoryNode(std::shared_ptr<Engine> engine);
  std::shared_ptr<Engine> engine_;
};

class DirectorySubscription {
 public:
  DirectorySubscription(DirectorySubscription&& other) noexcept;
  DirectorySubscription& operator=(DirectorySubscription&&) = delete;
  DirectorySubscription(const DirectorySubscription&) = delete;
  DirectorySubscription& operator=(const DirectorySubscription&) = delete;
  // Unlistens: once it returns, the callback is not running and never runs again.
  ~DirectorySubscription();

  struct Context;  // the callback, at a fixed address the plugin holds

 private:
  friend class DirectoryNode;
  DirectorySubscription(std::shared_ptr<DirectoryNode::Engine> engine,
                        std::unique_ptr<Context> context, std::uint64_t token);
  std::shared_ptr<DirectoryNode::Engine> engine_;
  std::unique_ptr<Context> context_;
  std::uint64_t token_;
};

}  // namespace parley::plugin
