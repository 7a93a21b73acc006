// `parley plugins list|info|install`.
#include <fcntl.h>
#include <sys/stat.h>

#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command_registry.hpp"
#include "cli/common_options.hpp"
#include "cli/table.hpp"
#include "config/paths.hpp"
#include "plugin/kinds.hpp"
#include "plugin/plugin_host.hpp"

namespace parley::cli {
namespace {

using nlohmann::json;

constexpr const char* kPluginsUsage =
    "Usage: parley plugins list [--json]\n"
    "       parley plugins info NAME [--json]     NAME: plugin id, interface name or file name\n"
    "       parley plugins install FILE           check FILE, then copy it to the user plugin "
    "dir\n";

std::string interface_label(const plugin::InterfaceRecord& interface) {
  const auto* spec = plugin::find_kind(interface.kind);
  return std::string(spec->name) + "/" + std::to_string(interface.major) + "." +
         std::to_string(interface.minor) + ":" + interface.name;
}

json record_json(const plugin::PluginRecord& record) {
  json interfaces = json::array();
  for (const auto& interface : record.interfaces) {
    interfaces.push_back(
        {{"kind", plugin::find_kind(interface.kind)->name},
         {"name", interface.name},
         {"version", std::to_string(interface.major) + "." + std::to_string(interface.minor)},
         {"score", interface.score}});
  }
  json out = {{"path", record.path.string()}, {"status", record.loaded ? "loaded" : "refused"}};
  if (!record.loaded) out["reason"] = record.reason;
  if (!record.id.empty()) {
    out["id"] = record.id;
    out["display_name"] = record.display_name;
    out["version"] = record.version;
    out["license"] = record.license;
    out["description"] = record.description;
    if (!record.ui_toolkit.empty()) out["ui_toolkit"] = record.ui_toolkit;
  }
  out["interfaces"] = interfaces;
  return out;
}

json selection_json(const plugin::PluginHost& host) {
  json selection = json::object();
  for (const auto& kind : plugin::all_kinds()) {
    json order = json::array();
    for (const auto& ranked : host.ranked(kind.kind)) order.push_back(ranked.offer.interface->name);
    selection[std::string(kind.name)] = order;
  }
  return selection;
}

int list(const plugin::PluginHost& host, const config::Settings& settings, bool as_json) {
  const auto& records = host.registry().records();
  if (as_json) {
    json out;
    out["search_path"] = json::array();
    for (const auto& dir : settings.plugin_search_path())
      out["search_path"].push_back(dir.string());
    out["plugins"] = json::array();
    for (const auto& record : records) out["plugins"].push_back(record_json(record));
    out["selection"] = selection_json(host);
    std::cout << out.dump(2) << '\n';
    return kExitOk;
  }
  Table table({"STATUS", "PLUGIN", "VERSION", "INTERFACES", "FILE"});
  for (const auto& record : records) {
    std::string interfaces;
    for (const auto& interface : record.interfaces) {
      interfaces += (interfaces.empty() ? "" : " ") + interface_label(interface);
    }
    table.add_row({record.loaded ? "loaded" : "refused", record.id.empty() ? "-" : record.id,
                   record.version.empty() ? "-" : record.version,
                   interfaces.empty() ? "-" : interfaces, record.path.filename().string()});
  }
  if (records.empty()) {
    std::cout << "No plugins found. Searched:\n";
    for (const auto& dir : settings.plugin_search_path()) std::cout << "  " << dir.string() << '\n';
    return kExitOk;
  }
  table.print(std::cout);
  bool any_refused = false;
  for (const auto& record : records) {
    if (record.loaded) continue;
    if (!any_refused) std::cout << "\nRefused:\n";
    any_refused = true;
    std::cout << "  " << record.path.string() << ": " << record.reason << '\n';
  }
  std::cout << "\nSelection (first is used; order from preference lists, then score):\n";
  Table selection({"KIND", "ORDER"});
  for (const auto& kind : plugin::all_kinds()) {
    std::string order;
    for (const auto& ranked : host.ranked(kind.kind)) {
      order += (order.empty() ? "" : " > ") + ranked.offer.interface->name;
    }
    selection.add_row({std::string(kind.name), order.empty() ? "(none)" : order});
  }
  selection.print(std::cout);
  return kExitOk;
}

int info(const plugin::PluginHost& host, const std::string& name, bool as_json) {
  const auto* record = host.registry().find(name);
  if (record == nullptr) {
    std::cerr << "parley: no plugin named '" << name << "' (see `parley plugins list`)\n";
    return kExitFailure;
  }
  if (as_json) {
    std::cout << record_json(*record).dump(2) << '\n';
    return kExitOk;
  }
  Table table({"FIELD", "VALUE"});
  table.add_row({"id", record->id.empty() ? "-" : record->id});
  table.add_row({"name", record->display_name});
  table.add_row({"version", record->version});
  table.add_row({"license", record->license});
  table.add_row({"description", record->description});
  table.add_row({"file", record->path.string()});
  table.add_row({"status", record->loaded ? "loaded" : "refused: " + record->reason});
  for (const auto& interface : record->interfaces) {
    table.add_row({"interface", interface_label(interface) + " (score " +
                                    std::to_string(interface.score) + ")"});
  }
  if (!record->ui_toolkit.empty()) table.add_row({"ui toolkit", record->ui_toolkit});
  table.print(std::cout);
  return kExitOk;
}

int install(const std::filesystem::path& file) {
  // Try the file in a registry of its own first: a plugin that would be refused
  // is never copied where the kernel would find it.
  plugin::PluginRegistry trial;
  const auto& record = trial.add_file(file);
  if (!record.loaded) {
    std::cerr << "parley: not installed: " << file.string() << ": " << record.reason << '\n';
    return kExitFailure;
  }
  const auto dir = config::user_plugin_dir();
  std::filesystem::create_directories(dir);
  const auto target = dir / file.filename();
  const auto temporary = dir / (".installing-" + file.filename().string());
  std::filesystem::copy_file(file, temporary, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::permissions(
      temporary, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                     std::filesystem::perms::group_read | std::filesystem::perms::others_read);
  // Rename is atomic: a running parley sees the old file or the new one, never half.
  std::filesystem::rename(temporary, target);
  std::cout << "installed " << record.id << " " << record.version << " to " << target.string()
            << '\n';
  return kExitOk;
}

}  // namespace

int plugins_command(const std::vector<std::string>& args, const config::Settings& settings);
const CommandRegistration kPlugins{"plugins", "list, inspect and install plugins",
                                   &plugins_command};

int plugins_command(const std::vector<std::string>& args, const config::Settings& settings) {
  po::options_description options("plugins options");
  options.add_options()("help,h", "show this help")("json", "print JSON instead of a table");
  po::options_description hidden;
  hidden.add_options()("action", po::value<std::string>())("operand", po::value<std::string>());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("action", 1).add("operand", 1);
  po::variables_map values;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), values);
  } catch (const po::error& error) {
    std::cerr << "parley plugins: " << error.what() << "\n\n" << kPluginsUsage;
    return kExitUsage;
  }
  if (values.count("help") != 0) {
    std::cout << kPluginsUsage << '\n' << options;
    return kExitOk;
  }
  const bool as_json = values.count("json") != 0;
  const auto action = values.count("action") != 0 ? values["action"].as<std::string>() : "list";
  const auto operand = values.count("operand") != 0 ? values["operand"].as<std::string>() : "";
  if (action == "install") {
    if (operand.empty()) {
      std::cerr << "parley plugins install: FILE is required\n\n" << kPluginsUsage;
      return kExitUsage;
    }
    return install(operand);
  }
  const plugin::PluginHost host(settings);
  if (action == "list") return list(host, settings, as_json);
  if (action == "info") {
    if (operand.empty()) {
      std::cerr << "parley plugins info: NAME is required\n\n" << kPluginsUsage;
      return kExitUsage;
    }
    return info(host, operand, as_json);
  }
  std::cerr << "parley plugins: unknown action '" << action << "'\n\n" << kPluginsUsage;
  return kExitUsage;
}

}  // namespace parley::cli
