// Header-only C++ side of the plugin SDK: a plugin author describes the plugin
// and its interfaces with ordinary C++; this turns them into the C ABI tables
// and turns every exception into a status code at the edge.
#pragma once

#include <cstdint>
#include <exception>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "parley/abi/plugin.h"

namespace parley::sdk {

inline parley_str to_c(std::string_view text) {
  return {text.data(), text.size()};
}
inline std::string_view from_c(parley_str text) {
  return text.data == nullptr ? std::string_view{} : std::string_view{text.data, text.size};
}

// Thrown by plugin code to return a specific status across the boundary.
class Error : public std::exception {
 public:
  Error(parley_status status, std::string message)
      : status_(status), message_(std::move(message)) {}
  [[nodiscard]] parley_status status() const noexcept { return status_; }
  [[nodiscard]] const char* what() const noexcept override { return message_.c_str(); }

 private:
  parley_status status_;
  std::string message_;
};

struct PluginInfo {
  std::string_view id;  // reverse DNS: org.example.codec.mycodec
  std::string_view display_name;
  std::string_view version;  // semver
  std::string_view license;  // SPDX
  std::string_view description;
  std::string_view ui_toolkit{};  // UI extensions only: "wx/3.2"
};

namespace detail {

// One per loaded library (hidden visibility keeps it private to the plugin).
struct HostState {
  const parley_host_api* host = nullptr;
  std::string_view plugin_id;
};
inline HostState& host_state() {
  static HostState state;
  return state;
}

}  // namespace detail

inline void log(parley_log_level level, std::string_view message) noexcept {
  const auto& state = detail::host_state();
  if (state.host != nullptr && state.host->log != nullptr) {
    state.host->log(level, to_c(state.plugin_id), to_c(message));
  }
}

inline std::uint64_t monotonic_us() noexcept {
  const auto& state = detail::host_state();
  return state.host != nullptr && state.host->monotonic_us != nullptr ? state.host->monotonic_us()
                                                                      : 0;
}

// Runs body, mapping any exception to a status (and a log line saying why).
template <typename Body>
parley_status guard(std::string_view what, Body&& body) noexcept {
  try {
    return std::forward<Body>(body)();
  } catch (const Error& error) {
    log(PARLEY_LOG_DEBUG, std::string(what) + ": " + error.what());
    return error.status();
  } catch (const std::bad_alloc&) {
    log(PARLEY_LOG_ERROR, std::string(what) + ": out of memory");
    return PARLEY_ERR_INTERNAL;
  } catch (const std::exception& error) {
    log(PARLEY_LOG_ERROR, std::string(what) + ": " + error.what());
    return PARLEY_ERR_INTERNAL;
  } catch (...) {
    log(PARLEY_LOG_ERROR, std::string(what) + ": unknown exception");
    return PARLEY_ERR_INTERNAL;
  }
}

// Builds the parley_interface for one implementation; Adapter supplies
// kind, major, minor and a get_api() that is already exception-safe.
template <typename Adapter>
parley_interface make_interface(std::string_view name, std::int32_t score) {
  parley_interface entry{};
  entry.struct_size = sizeof(parley_interface);
  entry.kind = Adapter::kind;
  entry.major = Adapter::major;
  entry.minor = Adapter::minor;
  entry.name = to_c(name);
  entry.score = score;
  entry.get_api = &Adapter::get_api;
  return entry;
}

// Adapters' get_api: builds the table once; a throwing builder yields nullptr,
// which the kernel reports as a refused plugin.
template <typename Table, typename Build>
const void* build_table_once(std::string_view what, Build&& build) noexcept {
  try {
    static const Table table = build();
    return &table;
  } catch (const std::exception& error) {
    log(PARLEY_LOG_ERROR, std::string(what) + " failed to initialise: " + error.what());
  } catch (...) {
    log(PARLEY_LOG_ERROR, std::string(what) + " failed to initialise");
  }
  return nullptr;
}

class Plugin {
 public:
  Plugin(const PluginInfo& info, std::vector<parley_interface> interfaces)
      : interfaces_(std::move(interfaces)) {
    descriptor_.struct_size = sizeof(parley_plugin_descriptor);
    descriptor_.abi_version = PARLEY_ABI_VERSION;
    descriptor_.id = to_c(info.id);
    descriptor_.display_name = to_c(info.display_name);
    descriptor_.version = to_c(info.version);
    descriptor_.license = to_c(info.license);
    descriptor_.description = to_c(info.description);
    descriptor_.interface_count = static_cast<std::uint32_t>(interfaces_.size());
    descriptor_.interfaces = interfaces_.data();
    descriptor_.ui_toolkit = to_c(info.ui_toolkit);
  }
  [[nodiscard]] const parley_plugin_descriptor* descriptor() const { return &descriptor_; }

 private:
  std::vector<parley_interface> interfaces_;
  parley_plugin_descriptor descriptor_{};
};

namespace detail {
template <typename MakePlugin>
const parley_plugin_descriptor* entry(const parley_host_api* host, std::string_view id,
                                      MakePlugin&& make) noexcept {
  host_state().host = host;
  host_state().plugin_id = id;
  try {
    static const Plugin plugin = make();
    return plugin.descriptor();
  } catch (const std::exception& error) {
    log(PARLEY_LOG_ERROR, std::string("plugin entry failed: ") + error.what());
  } catch (...) {
    log(PARLEY_LOG_ERROR, "plugin entry failed");
  }
  return nullptr;
}
}  // namespace detail

}  // namespace parley::sdk

// The one registration macro. INFO is a parley::sdk::PluginInfo; the rest are
// interfaces, e.g. parley::sdk::codec<MyCodec>("mycodec", 50).
// A static (enterprise) build defines PARLEY_STATIC_PLUGIN_SYMBOL to a unique
// name per plugin, so many plugins link into one binary without clashing.
#ifdef PARLEY_STATIC_PLUGIN_SYMBOL
#define PARLEY_ENTRY_DECLARATION                                          \
  extern "C" const parley_plugin_descriptor* PARLEY_STATIC_PLUGIN_SYMBOL( \
      const parley_host_api* host)
#else
#define PARLEY_ENTRY_DECLARATION                                                \
  extern "C" PARLEY_EXPORT const parley_plugin_descriptor* PARLEY_ENTRY_SYMBOL( \
      const parley_host_api* host)
#endif

#define PARLEY_PLUGIN(INFO, ...)                                                \
  PARLEY_ENTRY_DECLARATION {                                                    \
    static const ::parley::sdk::PluginInfo parley_plugin_info = INFO;           \
    return ::parley::sdk::detail::entry(host, parley_plugin_info.id, [] {       \
      return ::parley::sdk::Plugin(parley_plugin_info,                          \
                                   std::vector<parley_interface>{__VA_ARGS__}); \
    });                                                                         \
  }
