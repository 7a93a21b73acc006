// UI extension plugins in C++. An extension is a type T with:
//   static constexpr std::string_view menu_label = "&Call statistics";
//   class T::Extension {
//     Extension(void* host_window, const parley_ui_host& host);  // builds its windows
//     ~Extension();                                              // removes them
//     void on_event(std::string_view event, std::string_view json_payload);
//   };
// and is registered with parley::sdk::ui_extension<T>("call-stats", score).
//
// The descriptor must state the toolkit the extension was built against
// (PluginInfo::ui_toolkit); wx-based extensions take it from parley/sdk/wx.hpp.
// The wrapper refuses a null host window, keeps its own copy of the host table
// for the extension's lifetime (so `host` may be kept by reference) and turns
// exceptions into status codes (create) or log lines (on_event, destroy).
#pragma once

#include <cstdint>
#include <string_view>
#include <type_traits>

#include "parley/abi/ui_extension.h"
#include "parley/sdk/plugin.hpp"

namespace parley::sdk {

// Asks the client to run a console-style command ("call alice", "hangup").
inline parley_status run_command(const parley_ui_host& host, std::string_view command) noexcept {
  if (host.run_command == nullptr) return PARLEY_ERR_UNSUPPORTED;
  return host.run_command(host.host_context, to_c(command));
}

namespace detail {

template <typename T>
struct UiExtensionAdapter {
  static constexpr std::uint32_t kind = PARLEY_KIND_UI_EXTENSION;
  static constexpr std::uint16_t major = PARLEY_UI_MAJOR;
  static constexpr std::uint16_t minor = PARLEY_UI_MINOR;

  // The host copy is declared first so it outlives the extension that refers to it.
  struct ExtensionBox {
    parley_ui_host host;
    typename T::Extension extension;
    ExtensionBox(void* host_window, const parley_ui_host& given)
        : host(own_copy(given)), extension(host_window, host) {}

    // A newer client's table may be longer: keep the part this build knows.
    static parley_ui_host own_copy(const parley_ui_host& given) {
      parley_ui_host copy = given;
      copy.struct_size = sizeof copy;
      return copy;
    }
  };

  static parley_status create(void* host_window, const parley_ui_host* host, void** out) {
    return guard("ui create", [&] {
      if (out == nullptr || host_window == nullptr || host == nullptr ||
          host->struct_size < sizeof(parley_ui_host)) {
        return PARLEY_ERR_INVALID_ARGUMENT;
      }
      // A plugin never meets a kernel older than its own ui/1.x, so the
      // client's table has at least everything this one has.
      *out = new ExtensionBox(host_window, *host);
      return PARLEY_OK;
    });
  }

  static void destroy(void* extension) {
    // A destructor that throws would terminate the client: report it instead.
    guard("ui destroy", [&] {
      delete static_cast<ExtensionBox*>(extension);
      return PARLEY_OK;
    });
  }

  static void on_event(void* extension, parley_str event, parley_str json_payload) {
    // No status goes back to the client (ui/1.0): a refused event is a log line.
    const auto status = guard("ui on_event", [&] {
      auto* box = static_cast<ExtensionBox*>(extension);
      const bool malformed = (event.data == nullptr && event.size != 0) ||
                             (json_payload.data == nullptr && json_payload.size != 0);
      if (box == nullptr || malformed) return PARLEY_ERR_INVALID_ARGUMENT;
      box->extension.on_event(from_c(event), from_c(json_payload));
      return PARLEY_OK;
    });
    if (status == PARLEY_ERR_INVALID_ARGUMENT) log(PARLEY_LOG_WARN, "ui on_event: malformed call");
  }

  static const void* get_api() {
    return build_table_once<parley_ui_extension_api>("ui extension", [] {
      parley_ui_extension_api api{};
      api.struct_size = sizeof(parley_ui_extension_api);
      api.menu_label = to_c(T::menu_label);
      api.create = &create;
      api.destroy = &destroy;
      api.on_event = &on_event;
      return api;
    });
  }
};

}  // namespace detail

template <typename T>
parley_interface ui_extension(std::string_view name, std::int32_t score = 0) {
  static_assert(std::is_convertible_v<decltype(T::menu_label), std::string_view>,
                "a UI extension type needs `static constexpr std::string_view menu_label`");
  return make_interface<detail::UiExtensionAdapter<T>>(name, score);
}

}  // namespace parley::sdk
