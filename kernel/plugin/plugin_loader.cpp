#include "plugin/plugin_loader.hpp"

#include <dlfcn.h>

#include <boost/dll/shared_library.hpp>
#include <cstring>

#include "plugin/host_api.hpp"
#include "plugin/kinds.hpp"
#include "plugin/plugin_file_inspector.hpp"

namespace parley::plugin {
namespace {

// Bounds on what a descriptor may claim; anything past them is a broken plugin.
constexpr std::size_t kMaxStringBytes = 4096;
constexpr std::size_t kMaxIdBytes = 128;
constexpr std::uint32_t kMaxInterfaces = 64;

struct Refusal {
  std::string reason;
};

std::string read_string(parley_str text, std::string_view field, std::size_t limit, bool required) {
  if (text.size == 0) {
    if (required) throw Refusal{"descriptor has an empty " + std::string(field)};
    return {};
  }
  if (text.data == nullptr || text.size > limit) {
    throw Refusal{"descriptor field " + std::string(field) + " is malformed"};
  }
  std::string value(text.data, text.size);
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) {
      throw Refusal{"descriptor field " + std::string(field) + " has control characters"};
    }
  }
  return value;
}

void check_id(const std::string& id) {
  const bool well_formed =
      id.find('.') != std::string::npos && id.front() != '.' && id.back() != '.' &&
      id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-_") == std::string::npos;
  if (!well_formed) {
    throw Refusal{"plugin id '" + id +
                  "' is not reverse-DNS (lowercase, dots, e.g. org.example.codec.x)"};
  }
}

InterfaceRecord read_interface(const parley_interface& entry, std::size_t index) {
  if (entry.struct_size < sizeof(parley_interface)) {
    throw Refusal{"interface " + std::to_string(index) + " has a malformed table"};
  }
  InterfaceRecord record;
  record.name = read_string(entry.name, "interface name", kMaxIdBytes, true);
  const auto* spec = find_kind_number(entry.kind);
  if (spec == nullptr) {
    throw Refusal{"interface '" + record.name + "' is of unknown kind " +
                  std::to_string(entry.kind) + "; a newer parley may support it"};
  }
  const std::string declared = std::string(spec->name) + "/" + std::to_string(entry.major) + "." +
                               std::to_string(entry.minor);
  const std::string ours = std::string(spec->name) + "/" + std::to_string(spec->major) + "." +
                           std::to_string(spec->minor);
  if (entry.major != spec->major) {
    throw Refusal{"interface '" + record.name + "' is " + declared + ", this parley speaks " +
                  ours + " (major versions differ)"};
  }
  if (entry.minor > spec->minor) {
    throw Refusal{"interface '" + record.name + "' is " + declared + ", newer than this parley's " +
                  ours + "; upgrade parley"};
  }
  if (entry.get_api == nullptr) {
    throw Refusal{"interface '" + record.name + "' has no factory"};
  }
  const void* api = nullptr;
  try {
    api = entry.get_api();
  } catch (...) {
    // A C entry point must not throw; a C++ plugin that does is refused, not fatal.
    throw Refusal{"interface '" + record.name + "' factory threw an exception"};
  }
  if (api == nullptr) {
    throw Refusal{"interface '" + record.name + "' factory failed (returned no table)"};
  }
  std::uint32_t table_size = 0;
  std::memcpy(&table_size, api, sizeof table_size);  // every table starts with struct_size
  if (table_size < spec->min_table_size) {
    throw Refusal{"interface '" + record.name + "' table is smaller than " + declared +
                  " requires"};
  }
  record.kind = spec->kind;
  record.major = entry.major;
  record.minor = entry.minor;
  record.score = entry.score;
  record.api = api;
  record.api_size = table_size;
  return record;
}

void read_descriptor(const parley_plugin_descriptor& descriptor, PluginRecord& record) {
  if (descriptor.struct_size < sizeof(parley_plugin_descriptor)) {
    throw Refusal{"descriptor is too small (" + std::to_string(descriptor.struct_size) + " bytes)"};
  }
  if (descriptor.abi_version != PARLEY_ABI_VERSION) {
    throw Refusal{"descriptor says plugin ABI " + std::to_string(descriptor.abi_version) +
                  ", this parley speaks ABI " + std::to_string(PARLEY_ABI_VERSION)};
  }
  record.id = read_string(descriptor.id, "id", kMaxIdBytes, true);
  check_id(record.id);
  record.display_name =
      read_string(descriptor.display_name, "display_name", kMaxStringBytes, false);
  record.version = read_string(descriptor.version, "version", kMaxIdBytes, true);
  record.license = read_string(descriptor.license, "license", kMaxStringBytes, false);
  record.description = read_string(descriptor.description, "description", kMaxStringBytes, false);
  record.ui_toolkit = read_string(descriptor.ui_toolkit, "ui_toolkit", kMaxIdBytes, false);
  if (descriptor.interface_count == 0 || descriptor.interfaces == nullptr) {
    throw Refusal{"plugin declares no interfaces"};
  }
  if (descriptor.interface_count > kMaxInterfaces) {
    throw Refusal{"plugin declares too many interfaces (" +
                  std::to_string(descriptor.interface_count) + ")"};
  }
  for (std::uint32_t i = 0; i < descriptor.interface_count; ++i) {
    record.interfaces.push_back(read_interface(descriptor.interfaces[i], i));
  }
}

}  // namespace

PluginRecord load_plugin(const std::filesystem::path& path) {
  PluginRecord record;
  record.path = path;
  const auto inspection = inspect_plugin_file(path);
  if (!inspection.ok) {
    record.reason = inspection.reason;
    return record;
  }
  try {
    // RTLD_NODELETE: once loaded, a plugin stays mapped until the process exits.
    // Libraries plugins link (GTK, glib, OpenDHT) register process-wide state
    // (types, atexit handlers, threads) that would dangle if their code went away,
    // and leak checkers can only name what is still mapped.
    boost::dll::shared_library library(boost::dll::fs::path(path.string()),
                                       boost::dll::load_mode::rtld_now |
                                           boost::dll::load_mode::rtld_local |
                                           static_cast<boost::dll::load_mode::type>(RTLD_NODELETE));
    auto& entry = library.get<const parley_plugin_descriptor*(const parley_host_api*)>(
        inspection.entry_symbol);
    const parley_plugin_descriptor* descriptor = nullptr;
    try {
      descriptor = entry(&host_api());
    } catch (...) {
      throw Refusal{"plugin entry threw an exception"};
    }
    if (descriptor == nullptr) throw Refusal{"plugin entry failed (returned no descriptor)"};
    read_descriptor(*descriptor, record);
    record.library = std::make_shared<const PluginLibrary>(std::move(library), descriptor);
    record.loaded = true;
  } catch (const Refusal& refusal) {
    record.reason = refusal.reason;
    record.interfaces.clear();
  } catch (const std::exception& error) {
    record.reason = std::string("cannot load: ") + error.what();
    record.interfaces.clear();
  }
  return record;
}

}  // namespace parley::plugin
