#include "plugin/plugin_registry.hpp"

#include <algorithm>

#include "log/log.hpp"
#include "plugin/plugin_loader.hpp"

namespace parley::plugin {

bool looks_like_plugin_file(const std::filesystem::path& path) {
  return path.extension() == ".so";
}

void PluginRegistry::discover(const std::vector<std::filesystem::path>& directories) {
  for (const auto& directory : directories) {
    std::error_code error;
    if (!std::filesystem::is_directory(directory, error)) {
      log::debug("plugins", "search path entry not present: " + directory.string());
      continue;
    }
    std::vector<std::filesystem::path> files;
    for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end;
         it.increment(error)) {
      if (looks_like_plugin_file(it->path())) files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) add_file(file);
  }
}

const PluginRecord& PluginRegistry::add_file(const std::filesystem::path& path) {
  std::error_code error;
  const auto canonical = std::filesystem::weakly_canonical(path, error);
  for (const auto& existing : records_) {
    if (!error && existing.path == canonical) return existing;  // listed twice on the path
  }
  auto record = load_plugin(error ? path : canonical);
  if (record.loaded) {
    for (const auto& existing : records_) {
      if (existing.loaded && existing.id == record.id) {
        record.loaded = false;
        record.reason = "duplicate of " + record.id + " already loaded from " +
                        existing.path.string() + " (earlier on the search path wins)";
        record.interfaces.clear();
        record.library.reset();
        break;
      }
    }
  }
  if (record.loaded) {
    log::debug("plugins", "loaded " + record.id + " from " + record.path.string());
  } else {
    log::info("plugins", "refused " + record.path.string() + ": " + record.reason);
  }
  records_.push_back(std::move(record));
  return records_.back();
}

std::vector<Offer> PluginRegistry::offers(parley_kind kind) const {
  std::vector<Offer> result;
  for (const auto& record : records_) {
    if (!record.loaded) continue;
    for (const auto& interface : record.interfaces) {
      if (interface.kind == kind) result.push_back({&record, &interface});
    }
  }
  return result;
}

const PluginRecord* PluginRegistry::find(std::string_view name) const {
  for (const auto& record : records_) {
    if (record.id == name) return &record;
  }
  for (const auto& record : records_) {
    for (const auto& interface : record.interfaces) {
      if (interface.name == name) return &record;
    }
  }
  for (const auto& record : records_) {
    if (record.path.filename() == name || record.path.stem() == name) return &record;
  }
  return nullptr;
}

}  // namespace parley::plugin
