#include "plugin/ui_plugin.hpp"

#include <charconv>
#include <stdexcept>
#include <utility>

namespace parley::plugin {
namespace {

constexpr std::size_t kMaxToolkitNameBytes = 32;
constexpr std::size_t kMaxVersionDigits = 5;  // keeps every accepted number far from overflow
constexpr std::size_t kMaxMenuLabelBytes = 256;

bool is_toolkit_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

std::optional<std::uint32_t> parse_version_number(std::string_view digits) {
  if (digits.empty() || digits.size() > kMaxVersionDigits) return std::nullopt;
  if (digits.size() > 1 && digits.front() == '0') return std::nullopt;
  std::uint32_t value = 0;
  const auto* end = digits.data() + digits.size();
  const auto [stop, error] = std::from_chars(digits.data(), end, value);
  if (error != std::errc{} || stop != end) return std::nullopt;
  return value;
}

// Plugin-controlled text goes into `plugins list` and dialogs: quote it and
// keep it to one short printable line.
std::string quoted(std::string_view text) {
  std::string out = "'";
  for (char c : text.substr(0, 64)) {
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  }
  if (text.size() > 64) out += "...";
  return out + "'";
}

// A menu entry is one line: a label that is missing, oversized or carries
// control characters is not used.
std::string read_label(parley_str text) {
  if (text.data == nullptr || text.size == 0 || text.size > kMaxMenuLabelBytes) return {};
  const std::string_view label(text.data, text.size);
  for (char c : label) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return {};
  }
  return std::string(label);
}

}  // namespace

std::optional<ToolkitVersion> parse_toolkit(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto name = text.substr(0, slash);
  const auto version = text.substr(slash + 1);
  if (name.empty() || name.size() > kMaxToolkitNameBytes) return std::nullopt;
  for (char c : name) {
    if (!is_toolkit_name_char(c)) return std::nullopt;
  }
  const auto dot = version.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  // A second dot ("wx/3.2.1") is malformed too: the minor's digits reject it.
  const auto major = parse_version_number(version.substr(0, dot));
  const auto minor = parse_version_number(version.substr(dot + 1));
  if (!major || !minor) return std::nullopt;
  return ToolkitVersion{std::string(name), *major, *minor};
}

bool toolkit_compatible(std::string_view plugin_toolkit, std::string_view host_toolkit) {
  return !toolkit_refusal(plugin_toolkit, host_toolkit).has_value();
}

std::optional<std::string> toolkit_refusal(std::string_view plugin_toolkit,
                                           std::string_view host_toolkit) {
  const auto host = parse_toolkit(host_toolkit);
  if (!host) {
    return "this client's toolkit " + quoted(host_toolkit) +
           " is not of the form name/major.minor (e.g. wx/3.2)";
  }
  if (plugin_toolkit.empty()) {
    return "states no UI toolkit; this client is " + std::string(host_toolkit);
  }
  const auto plugin = parse_toolkit(plugin_toolkit);
  if (!plugin) {
    return "states UI toolkit " + quoted(plugin_toolkit) +
           ", which is not of the form name/major.minor (e.g. wx/3.2)";
  }
  if (plugin->name != host->name || plugin->major != host->major || plugin->minor != host->minor) {
    return "built for " + std::string(plugin_toolkit) + ", this client is " +
           std::string(host_toolkit);
  }
  return std::nullopt;
}

std::vector<UiExtensionCandidate> ui_extensions_for_host(std::span<const PluginRecord> records,
                                                         std::string_view host_toolkit) {
  std::vector<UiExtensionCandidate> candidates;
  for (const auto& record : records) {
    if (!record.loaded) continue;
    for (const auto& interface : record.interfaces) {
      if (interface.kind != PARLEY_KIND_UI_EXTENSION) continue;
      UiExtensionCandidate candidate{{&record, &interface}, true, {}};
      if (auto refusal = toolkit_refusal(record.ui_toolkit, host_toolkit)) {
        candidate.loadable = false;
        candidate.reason = std::move(*refusal);
      }
      candidates.push_back(std::move(candidate));
    }
  }
  return candidates;
}

std::vector<UiExtensionCandidate> ui_extensions_for_host(const PluginRegistry& registry,
                                                         std::string_view host_toolkit) {
  return ui_extensions_for_host(std::span<const PluginRecord>(registry.records()), host_toolkit);
}

UiExtensionPlugin::UiExtensionPlugin(const Offer& offer, std::string_view host_toolkit)
    : api_(static_cast<const parley_ui_extension_api*>(offer.interface->api)),
      name_(offer.interface->name),
      toolkit_(offer.plugin->ui_toolkit),
      library_(offer.plugin->library) {
  if (offer.interface->kind != PARLEY_KIND_UI_EXTENSION) {
    throw std::invalid_argument(name_ + " is not a UI extension");
  }
  if (auto refusal = toolkit_refusal(toolkit_, host_toolkit)) {
    throw std::runtime_error("ui " + name_ + ": " + *refusal);
  }
  if (api_ == nullptr || api_->create == nullptr || api_->destroy == nullptr ||
      api_->on_event == nullptr) {
    throw std::runtime_error("ui " + name_ + " has an incomplete table");
  }
  menu_label_ = read_label(api_->menu_label);
  if (menu_label_.empty()) menu_label_ = name_;  // a menu entry needs some text
}

UiExtension UiExtensionPlugin::create(void* host_window, const parley_ui_host& host) const {
  if (host_window == nullptr) {
    throw PluginCallError(PARLEY_ERR_INVALID_ARGUMENT, "ui " + name_ + ": no host window");
  }
  auto host_copy = std::make_unique<parley_ui_host>(host);
  host_copy->struct_size = sizeof(parley_ui_host);
  void* handle = nullptr;
  const auto status = api_->create(host_window, host_copy.get(), &handle);
  if (status != PARLEY_OK) {
    throw PluginCallError(status, "ui " + name_ + ": create failed: " + describe_status(status));
  }
  if (handle == nullptr) {
    throw PluginCallError(PARLEY_ERR_INTERNAL, "ui " + name_ + ": create returned no extension");
  }
  return {*this, std::move(host_copy), handle};
}

UiExtension::UiExtension(UiExtensionPlugin plugin, std::unique_ptr<parley_ui_host> host,
                         void* handle)
    : plugin_(std::move(plugin)), host_(std::move(host)), handle_(handle) {}

UiExtension::UiExtension(UiExtension&& other) noexcept
    : plugin_(std::move(other.plugin_)),  // other keeps no handle, so needs no plugin
      host_(std::move(other.host_)),
      handle_(std::exchange(other.handle_, nullptr)) {}

UiExtension::~UiExtension() {
  if (handle_ != nullptr) plugin_.api_->destroy(handle_);
}

void UiExtension::send_event(std::string_view event, std::string_view json_payload) {
  if (handle_ == nullptr) throw std::logic_error("ui " + plugin_.name_ + ": moved-from extension");
  plugin_.api_->on_event(handle_, {event.data(), event.size()},
                         {json_payload.data(), json_payload.size()});
}

}  // namespace parley::plugin
