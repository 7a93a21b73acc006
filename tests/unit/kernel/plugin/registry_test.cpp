// Discovery over a search path: precedence, duplicates, and refusals listed.
#include <gtest/gtest.h>

#include <filesystem>

#include "plugin/plugin_registry.hpp"

namespace parley::plugin {
namespace {

const std::filesystem::path kFixtures = PARLEY_FIXTURE_PLUGIN_DIR;
const std::filesystem::path kBuilt = PARLEY_BUILT_PLUGIN_DIR;

TEST(Registry, ListsEveryFileLoadedOrRefused) {
  PluginRegistry registry;
  registry.discover({kFixtures});
  std::size_t so_files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kFixtures)) {
    so_files += entry.path().extension() == ".so" ? 1 : 0;
  }
  EXPECT_EQ(registry.records().size(), so_files);
  // The only valid plugin in the fixture directory is the g711 copy.
  EXPECT_EQ(registry.offers(PARLEY_KIND_CODEC).size(), 2u);
}

TEST(Registry, EarlierDirectoryWinsADuplicateId) {
  PluginRegistry registry;
  registry.discover({kBuilt, kFixtures});
  const auto* original = registry.find("org.parley.codec.g711");
  ASSERT_NE(original, nullptr);
  EXPECT_TRUE(original->loaded);
  EXPECT_EQ(original->path.parent_path(), std::filesystem::weakly_canonical(kBuilt));
  const auto* duplicate = registry.find("zz-duplicate-g711.so");
  ASSERT_NE(duplicate, nullptr);
  EXPECT_FALSE(duplicate->loaded);
  EXPECT_NE(duplicate->reason.find("duplicate of org.parley.codec.g711"), std::string::npos)
      << duplicate->reason;
  EXPECT_NE(duplicate->reason.find("earlier on the search path wins"), std::string::npos);
}

TEST(Registry, SameDirectoryTwiceIsScannedOnce) {
  PluginRegistry registry;
  registry.discover({kBuilt, kBuilt});
  std::size_t g711 = 0;
  for (const auto& record : registry.records()) g711 += record.id == "org.parley.codec.g711";
  EXPECT_EQ(g711, 1u);
}

TEST(Registry, MissingDirectoriesAreSkipped) {
  PluginRegistry registry;
  registry.discover({"/nonexistent/parley/plugins", kBuilt});
  EXPECT_NE(registry.find("pcmu"), nullptr);
}

TEST(Registry, FindsByIdInterfaceNameOrFileName) {
  PluginRegistry registry;
  registry.discover({kBuilt});
  const auto* by_id = registry.find("org.parley.codec.g711");
  EXPECT_EQ(registry.find("pcma"), by_id);
  EXPECT_EQ(registry.find("parley-codec-g711.so"), by_id);
  EXPECT_EQ(registry.find("parley-codec-g711"), by_id);
  EXPECT_EQ(registry.find("no-such-plugin"), nullptr);
}

}  // namespace
}  // namespace parley::plugin
