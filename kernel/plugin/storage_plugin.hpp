// The kernel's view of a storage interface: an RAII store that keeps its
// plugin's library mapped, with the C visitors turned into vectors or
// std::function callbacks.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "parley/abi/storage.h"
#include "plugin/plugin_call_error.hpp"
#include "plugin/plugin_registry.hpp"

namespace parley::plugin {

struct Buddy {
  std::string user_id;
  std::string display_name;
  std::string group;
  std::int64_t added_unix_ms = 0;
  bool blocked = false;
};

struct StoredMessage {
  std::string message_id;
  std::string peer_user_id;
  parley_message_direction direction = PARLEY_MESSAGE_SENT;
  std::int64_t sent_unix_ms = 0;
  std::string body;
};

// Callbacks return true to go on, false to stop early. An exception thrown by a
// callback stops the walk and is rethrown to the caller once the plugin returns.
using BuddyCallback = std::function<bool(const Buddy&)>;
using MessageCallback = std::function<bool(const StoredMessage&)>;

class Store;

class StoragePlugin {
 public:
  explicit StoragePlugin(const Offer& offer);
  [[nodiscard]] const std::string& name() const { return name_; }
  // Opens (or creates) the store at location; throws PluginCallError, whose
  // status tells a foreign file (UNSUPPORTED) from an unreadable or damaged one (IO).
  [[nodiscard]] Store open(const std::string& location) const;

 private:
  friend class Store;
  const parley_storage_api* api_;
  std::string name_;
  std::shared_ptr<const PluginLibrary> library_;
};

class Store {
 public:
  Store(Store&& other) noexcept;
  Store& operator=(Store&&) = delete;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store();

  void put_buddy(const Buddy& buddy);
  // False when there was no such buddy.
  bool remove_buddy(std::string_view user_id);
  [[nodiscard]] std::vector<Buddy> buddies() const;
  void for_each_buddy(const BuddyCallback& callback) const;

  // Storing a message id that is already there keeps the first copy.
  void append_message(const StoredMessage& message);
  // Oldest first; limit > 0 keeps the newest `limit` of those sent at or after since.
  [[nodiscard]] std::vector<StoredMessage> history(std::string_view peer_user_id,
                                                   std::int64_t since_unix_ms = 0,
                                                   std::uint32_t limit = 0) const;
  void for_each_message(std::string_view peer_user_id, std::int64_t since_unix_ms,
                        std::uint32_t limit, const MessageCallback& callback) const;

 private:
  friend class StoragePlugin;
  Store(StoragePlugin plugin, void* handle);
  void check(parley_status status, const char* call) const;
  StoragePlugin plugin_;
  void* handle_;
};

}  // namespace parley::plugin
