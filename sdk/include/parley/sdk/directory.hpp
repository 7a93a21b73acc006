// Directory plugins in C++. A directory engine is a type T with:
//   static parley::sdk::DirectoryInfo info();
//   class T::Node {
//    public:
//     explicit Node(const DirectoryConfig&);  // start: bind, bootstrap; throw to refuse
//     ~Node();                                // stop: leave, join its threads, promptly
//     void publish(std::string_view key, std::span<const std::uint8_t> record,
//                  std::chrono::seconds ttl);
//     void lookup(std::string_view key, std::chrono::milliseconds timeout,
//                 const RecordVisitor&);
//     std::uint32_t peer_count() const;
//     // Optional (directory/1.1): the UDP port bound, the chosen one for port 0.
//     std::uint16_t bound_port() const;
//     // Optional (directory/1.1): join through another node, "host:port".
//     void bootstrap(std::string_view address);
//     // Only with PARLEY_DIRECTORY_CAP_PREFIX:
//     void lookup_prefix(std::string_view prefix, std::chrono::milliseconds timeout,
//                        const RecordVisitor&);
//     // Only with PARLEY_DIRECTORY_CAP_LISTEN:
//     std::uint64_t listen(std::string_view key, ChangeVisitor);
//     void unlisten(std::uint64_t token);
//   };
// registered with parley::sdk::directory<T>("opendht", score).
//
// Threads. The kernel may call one node from several threads at once, so a
// Node is thread-safe. A lookup visits its records on the caller's thread
// before it returns. A ChangeVisitor runs on the plugin's own thread (the
// engine's network thread): keep it short, and never after unlisten or the
// destructor has returned. Lookups report a deadline that ended the search
// early by throwing Error(PARLEY_ERR_TIMEOUT) after visiting what they found.
//
// Before any Node code runs the adapter has checked pointers and struct sizes,
// refused empty keys and records (INVALID_ARGUMENT), keys longer than
// kMaxDirectoryKeyBytes and records longer than info().max_record_bytes (LIMIT)
// and a zero ttl (INVALID_ARGUMENT). Records are opaque: the kernel signs and
// verifies them, so a plugin stores and returns their bytes unchanged.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "parley/abi/directory.h"
#include "parley/sdk/plugin.hpp"

namespace parley::sdk {

// Keys are user ids; the bound keeps a key and its record in one datagram.
inline constexpr std::size_t kMaxDirectoryKeyBytes = 256;

struct DirectoryInfo {
  std::uint32_t capabilities = 0;  // PARLEY_DIRECTORY_CAP_*
  std::uint32_t max_record_bytes = 1024;
};

// Views into the caller's memory, valid only during the call that passes them.
struct DirectoryConfig {
  std::string_view listen;     // "host:port"; port 0 lets the engine choose
  std::string_view bootstrap;  // comma-separated "host:port", may be empty
  std::string_view state_dir;  // may be empty
};

struct FoundRecord {
  std::string_view key;
  std::span<const std::uint8_t> bytes;
};
// Returns true to go on, false to stop the walk.
using RecordVisitor = std::function<bool(const FoundRecord&)>;

struct RecordChange {
  std::string_view key;
  std::span<const std::uint8_t> bytes;  // empty when expired
  bool expired = false;                 // the key's record is gone
};
using ChangeVisitor = std::function<void(const RecordChange&)>;

namespace detail {

template <typename Node>
concept HasPrefixLookup = requires(Node& node, std::string_view text,
                                   std::chrono::milliseconds timeout,
                                   const RecordVisitor& visitor) {
  node.lookup_prefix(text, timeout, visitor);
};
template <typename Node>
concept HasListen = requires(Node& node, std::string_view key, ChangeVisitor visitor,
                             std::uint64_t token) {
  { node.listen(key, std::move(visitor)) } -> std::convertible_to<std::uint64_t>;
  node.unlisten(token);
};
template <typename Node>
concept HasBoundPort = requires(const Node& node) {
  { node.bound_port() } -> std::convertible_to<std::uint16_t>;
};
template <typename Node>
concept HasBootstrap = requires(Node& node, std::string_view address) {
  node.bootstrap(address);
};

// A {pointer, size} from the caller: NULL with a size is a bad pointer, not a string.
inline std::string_view directory_text(parley_str text, const char* field) {
  if (text.data == nullptr && text.size != 0) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT, std::string(field) + ": null data with a size");
  }
  return from_c(text);
}

inline std::string_view directory_key(parley_str key, const char* field) {
  const auto view = directory_text(key, field);
  if (view.empty()) throw Error(PARLEY_ERR_INVALID_ARGUMENT, std::string(field) + " is empty");
  if (view.size() > kMaxDirectoryKeyBytes) {
    throw Error(PARLEY_ERR_LIMIT, std::string(field) + " is " + std::to_string(view.size()) +
                                      " bytes, at most " + std::to_string(kMaxDirectoryKeyBytes) +
                                      " allowed");
  }
  return view;
}

template <typename T>
struct DirectoryAdapter {
  static constexpr std::uint32_t kind = PARLEY_KIND_DIRECTORY;
  static constexpr std::uint16_t major = PARLEY_DIRECTORY_MAJOR;
  static constexpr std::uint16_t minor = PARLEY_DIRECTORY_MINOR;
  using Node = typename T::Node;

  static const DirectoryInfo& info() {
    static const DirectoryInfo cached = T::info();
    return cached;
  }
  static bool has(std::uint32_t capability) { return (info().capabilities & capability) != 0; }

  static Node& node_of(void* node) {
    if (node == nullptr) throw Error(PARLEY_ERR_INVALID_ARGUMENT, "node is null");
    return *static_cast<Node*>(node);
  }

  // Carries the C visitor into the plugin's C++ walk.
  static RecordVisitor record_visitor(parley_record_visitor visit, void* user) {
    return [visit, user](const FoundRecord& found) {
      return visit(user, to_c(found.key), found.bytes.data(), found.bytes.size()) == 0;
    };
  }

  static parley_status start(const parley_directory_config* config, void** out_node) {
    return guard("directory start", [&]() -> parley_status {
      if (out_node == nullptr) return PARLEY_ERR_INVALID_ARGUMENT;
      *out_node = nullptr;
      if (config == nullptr || config->struct_size < sizeof(parley_directory_config)) {
        throw Error(PARLEY_ERR_INVALID_ARGUMENT, "directory config missing or too small");
      }
      DirectoryConfig c;
      c.listen = directory_text(config->listen, "listen");
      c.bootstrap = directory_text(config->bootstrap, "bootstrap");
      c.state_dir = directory_text(config->state_dir, "state_dir");
      if (c.listen.empty()) throw Error(PARLEY_ERR_INVALID_ARGUMENT, "listen is empty");
      try {
        *out_node = new Node(c);
      } catch (const Error& error) {
        // The operator needs this one (a port in use, a typo in the config).
        log(PARLEY_LOG_WARN, std::string("cannot start directory node: ") + error.what());
        return error.status();
      }
      return PARLEY_OK;
    });
  }
  static void stop(void* node) { delete static_cast<Node*>(node); }

  static parley_status publish(void* node, parley_str key, const std::uint8_t* record,
                               std::size_t size, std::uint32_t ttl_s) {
    return guard("directory publish", [&]() -> parley_status {
      auto& target = node_of(node);
      const auto checked_key = directory_key(key, "key");
      if (record == nullptr || size == 0) {
        throw Error(PARLEY_ERR_INVALID_ARGUMENT, "record is empty");
      }
      if (size > info().max_record_bytes) {
        throw Error(PARLEY_ERR_LIMIT, "record is " + std::to_string(size) + " bytes, at most " +
                                          std::to_string(info().max_record_bytes) + " allowed");
      }
      if (ttl_s == 0) throw Error(PARLEY_ERR_INVALID_ARGUMENT, "ttl is zero");
      target.publish(checked_key, {record, size}, std::chrono::seconds(ttl_s));
      return PARLEY_OK;
    });
  }

  static parley_status lookup(void* node, parley_str key, std::uint32_t timeout_ms,
                              parley_record_visitor visit, void* user) {
    return guard("directory lookup", [&]() -> parley_status {
      auto& target = node_of(node);
      const auto checked_key = directory_key(key, "key");
      if (visit == nullptr) return PARLEY_ERR_INVALID_ARGUMENT;
      target.lookup(checked_key, std::chrono::milliseconds(timeout_ms),
                    record_visitor(visit, user));
      return PARLEY_OK;
    });
  }

  static parley_status lookup_prefix(void* node, parley_str prefix, std::uint32_t timeout_ms,
                                     parley_record_visitor visit, void* user) {
    return guard("directory lookup_prefix", [&]() -> parley_status {
      auto& target = node_of(node);
      const auto checked_prefix = directory_key(prefix, "prefix");
      if (visit == nullptr) return PARLEY_ERR_INVALID_ARGUMENT;
      if constexpr (HasPrefixLookup<Node>) {
        if (!has(PARLEY_DIRECTORY_CAP_PREFIX)) return PARLEY_ERR_UNSUPPORTED;
        target.lookup_prefix(checked_prefix, std::chrono::milliseconds(timeout_ms),
                             record_visitor(visit, user));
        return PARLEY_OK;
      } else {
        return PARLEY_ERR_UNSUPPORTED;
      }
    });
  }

  static parley_status listen(void* node, parley_str key, parley_record_visitor visit, void* user,
                              std::uint64_t* out_token) {
    return guard("directory listen", [&]() -> parley_status {
      auto& target = node_of(node);
      const auto checked_key = directory_key(key, "key");
      if (visit == nullptr || out_token == nullptr) return PARLEY_ERR_INVALID_ARGUMENT;
      if constexpr (HasListen<Node>) {
        if (!has(PARLEY_DIRECTORY_CAP_LISTEN)) return PARLEY_ERR_UNSUPPORTED;
        // An expiry reaches C as a NULL record of size 0 (directory.h).
        *out_token = target.listen(checked_key, [visit, user](const RecordChange& change) {
          if (change.expired) {
            visit(user, to_c(change.key), nullptr, 0);
          } else {
            visit(user, to_c(change.key), change.bytes.data(), change.bytes.size());
          }
        });
        return PARLEY_OK;
      } else {
        return PARLEY_ERR_UNSUPPORTED;
      }
    });
  }

  static void unlisten(void* node, std::uint64_t token) {
    if constexpr (HasListen<Node>) {
      guard("directory unlisten", [&]() -> parley_status {
        node_of(node).unlisten(token);
        return PARLEY_OK;
      });
    }
  }

  static std::uint32_t peer_count(void* node) {
    std::uint32_t count = 0;
    guard("directory peer_count", [&]() -> parley_status {
      count = node_of(node).peer_count();
      return PARLEY_OK;
    });
    return count;
  }

  static std::uint16_t bound_port(void* node) {
    std::uint16_t port = 0;
    if constexpr (HasBoundPort<Node>) {
      guard("directory bound_port", [&]() -> parley_status {
        port = node_of(node).bound_port();
        return PARLEY_OK;
      });
    }
    return port;
  }

  static parley_status bootstrap(void* node, parley_str address) {
    if constexpr (HasBootstrap<Node>) {
      return guard("directory bootstrap", [&]() -> parley_status {
        const auto text = directory_text(address, "address");
        if (text.empty()) throw Error(PARLEY_ERR_INVALID_ARGUMENT, "empty address");
        node_of(node).bootstrap(text);
        return PARLEY_OK;
      });
    } else {
      return PARLEY_ERR_UNSUPPORTED;
    }
  }

  static const void* get_api() {
    return build_table_once<parley_directory_api>("directory", [] {
      static parley_directory_info c_info{};
      c_info.struct_size = sizeof(parley_directory_info);
      c_info.capabilities = info().capabilities;
      c_info.max_record_bytes = info().max_record_bytes;

      parley_directory_api api{};
      api.struct_size = sizeof(parley_directory_api);
      api.info = &c_info;
      api.start = &start;
      api.stop = &stop;
      api.publish = &publish;
      api.lookup = &lookup;
      api.lookup_prefix = &lookup_prefix;
      api.listen = &listen;
      api.unlisten = &unlisten;
      api.peer_count = &peer_count;
      api.bound_port = &bound_port;
      api.bootstrap = &bootstrap;
      return api;
    });
  }
};

}  // namespace detail

template <typename T>
parley_interface directory(std::string_view name, std::int32_t score = 0) {
  return make_interface<detail::DirectoryAdapter<T>>(name, score);
}

}  // namespace parley::sdk
