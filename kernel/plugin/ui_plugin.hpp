// The kernel's view of UI extensions: which ones a client may load (same
// toolkit, same major.minor), and RAII extensions that keep their plugin's
// library mapped. The kernel never links a toolkit: a host window is an opaque
// pointer here, and every call must come from the client's GUI thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "parley/abi/ui_extension.h"
#include "plugin/codec_plugin.hpp"  // PluginCallError, describe_status
#include "plugin/plugin_registry.hpp"

namespace parley::plugin {

// "wx/3.2": a toolkit name (lowercase letters, digits, '-', '_') and its
// major.minor in decimal without leading zeros.
struct ToolkitVersion {
  std::string name;
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
};
std::optional<ToolkitVersion> parse_toolkit(std::string_view text);

// Same toolkit name and the same major.minor; anything malformed is incompatible.
bool toolkit_compatible(std::string_view plugin_toolkit, std::string_view host_toolkit);

// Why a plugin stating plugin_toolkit may not load into a host_toolkit client
// ("built for wx/3.0, this client is wx/3.2"); nullopt when it may.
std::optional<std::string> toolkit_refusal(std::string_view plugin_toolkit,
                                           std::string_view host_toolkit);

struct UiExtensionCandidate {
  Offer offer;
  bool loadable = false;
  std::string reason;  // why not, when !loadable
};

// Every loaded UI interface, in discovery order, with whether this client may load it.
std::vector<UiExtensionCandidate> ui_extensions_for_host(std::span<const PluginRecord> records,
                                                         std::string_view host_toolkit);
std::vector<UiExtensionCandidate> ui_extensions_for_host(const PluginRegistry& registry,
                                                         std::string_view host_toolkit);

class UiExtension;

class UiExtensionPlugin {
 public:
  // Throws std::runtime_error with toolkit_refusal()'s reason when the offer's
  // toolkit does not match host_toolkit, or when its table is incomplete.
  UiExtensionPlugin(const Offer& offer, std::string_view host_toolkit);

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const std::string& menu_label() const { return menu_label_; }
  [[nodiscard]] const std::string& toolkit() const { return toolkit_; }

  // host_window is the client's window (a wxWindow* for "wx/..."); the
  // extension adds its own windows as children. Throws PluginCallError.
  [[nodiscard]] UiExtension create(void* host_window, const parley_ui_host& host) const;

 private:
  friend class UiExtension;
  const parley_ui_extension_api* api_;
  std::string name_;
  std::string menu_label_;
  std::string toolkit_;
  std::shared_ptr<const PluginLibrary> library_;
};

class UiExtension {
 public:
  UiExtension(UiExtension&& other) noexcept;
  UiExtension& operator=(UiExtension&&) = delete;
  UiExtension(const UiExtension&) = delete;
  UiExtension& operator=(const UiExtension&) = delete;
  // Removes the extension's windows (through the plugin's destroy).
  ~UiExtension();

  // Fire and forget: ui/1.0 returns nothing, the plugin logs what it ignores.
  void send_event(std::string_view event, std::string_view json_payload);

 private:
  friend class UiExtensionPlugin;
  UiExtension(UiExtensionPlugin plugin, std::unique_ptr<parley_ui_host> host, void* handle);
  UiExtensionPlugin plugin_;
  // The plugin may keep a pointer to the host table until destroy: it lives here.
  std::unique_ptr<parley_ui_host> host_;
  void* handle_;
};

}  // namespace parley::plugin
