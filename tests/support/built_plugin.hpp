// A plugin built in this tree (PARLEY_BUILT_PLUGIN_DIR), loaded once for a
// test suite rather than once per test: the suite keeps one as a static
// member, load()s it in SetUpTestSuite and unload()s it in TearDownTestSuite;
// each test's SetUp asserts problem() is empty and takes offer().
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "plugin/plugin_loader.hpp"
#include "plugin/plugin_registry.hpp"

#ifndef PARLEY_BUILT_PLUGIN_DIR
#error "tests that load a built plugin are compiled with PARLEY_BUILT_PLUGIN_DIR"
#endif

namespace parley::test {

class BuiltPlugin {
 public:
  explicit BuiltPlugin(std::string file) : file_(std::move(file)) {}

  void load() {
    record_ = std::make_unique<plugin::PluginRecord>(
        plugin::load_plugin(std::filesystem::path(PARLEY_BUILT_PLUGIN_DIR) / file_));
  }
  void unload() { record_.reset(); }

  // Empty when the plugin loaded and offers an interface; else why it is of no use.
  [[nodiscard]] std::string problem() const {
    if (!record_) return file_ + ": not loaded (load() belongs in SetUpTestSuite)";
    if (!record_->loaded) return file_ + ": " + record_->reason;
    if (record_->interfaces.empty()) return file_ + ": offers no interface";
    return {};
  }

  // The plugin's first interface, for its kind's wrapper (DirectoryPlugin, ...).
  [[nodiscard]] plugin::Offer offer() const { return {record_.get(), &record_->interfaces[0]}; }

 private:
  std::string file_;
  std::unique_ptr<plugin::PluginRecord> record_;
};

}  // namespace parley::test
