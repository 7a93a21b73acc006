#include <cstring>
#include <iostream>
#include <optional>

#include "conformance.hpp"
#include "log/log.hpp"

namespace parley::conformance {
namespace {

plugin::PluginRegistry& registry() {
  static plugin::PluginRegistry instance;
  return instance;
}

}  // namespace

const plugin::PluginRecord& plugin_under_test() {
  return registry().records().front();
}

std::vector<plugin::Offer> offers_of(parley_kind kind) {
  return registry().offers(kind);
}

std::string test_name(const testing::TestParamInfo<plugin::Offer>& info) {
  std::string name = info.param.interface->name;
  for (auto& c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) c = '_';
  }
  return name;
}

}  // namespace parley::conformance

int main(int argc, char** argv) {
  std::optional<std::string> path;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--plugin") == 0 && i + 1 < argc) path = argv[i + 1];
    if (std::strncmp(argv[i], "--plugin=", 9) == 0) path = argv[i] + 9;
  }
  if (!path) {
    std::cerr << "usage: " << argv[0] << " --plugin PATH/TO/plugin.so [gtest options]\n";
    return 2;
  }
  parley::log::set_level(parley::log::Level::warn);
  const auto& record = parley::conformance::registry().add_file(*path);
  if (!record.loaded) {
    std::cerr << "conformance: plugin refused: " << *path << ": " << record.reason << '\n';
    return 1;
  }
  std::cout << "conformance: " << record.id << " " << record.version << " (" << *path << ")\n";
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
