#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "config/list_option.hpp"
#include "config/paths.hpp"
#include "config/settings.hpp"

namespace parley::config {
namespace {

TEST(ListOption, SplitsAndTrims) {
  EXPECT_EQ(split_list(" opus, speex-wb ,pcmu,, "),
            (std::vector<std::string>{"opus", "speex-wb", "pcmu"}));
  EXPECT_TRUE(split_list("").empty());
}

TEST(Settings, ConfigFileSetsPreferencesPluginDirsAndLevel) {
  const auto dir = std::filesystem::temp_directory_path() / "parley-settings-test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "parley.conf") << "[log]\nlevel = debug\n[plugins]\ndir = extra\n"
                                        "system = false\npolicy = policy.conf\n"
                                        "[codec]\nprefer = opus, pcmu\n[login]\nserver = x\n";
  Settings settings;
  read_config_file(dir / "parley.conf", settings);
  EXPECT_EQ(settings.log_level, log::Level::debug);
  EXPECT_EQ(settings.prefer.at(PARLEY_KIND_CODEC), (std::vector<std::string>{"opus", "pcmu"}));
  ASSERT_EQ(settings.extra_plugin_dirs.size(), 1u);
  EXPECT_EQ(settings.extra_plugin_dirs[0], dir / "extra") << "relative to the config file";
  EXPECT_EQ(*settings.policy_file, dir / "policy.conf");
  const auto path = settings.plugin_search_path();
  EXPECT_EQ(path.front(), dir / "extra");
  EXPECT_EQ(path.back(), user_plugin_dir()) << "system dir left out when plugins.system = false";
}

TEST(Settings, BadValuesAreClearErrors) {
  const auto file = std::filesystem::temp_directory_path() / "parley-settings-bad.conf";
  std::ofstream(file) << "[log]\nlevel = loud\n";
  Settings settings;
  try {
    read_config_file(file, settings);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("log.level 'loud'"), std::string::npos)
        << error.what();
  }
  EXPECT_THROW(read_config_file("/nonexistent/parley.conf", settings), std::runtime_error);
  EXPECT_THROW(apply_prefer_option("codec", settings), std::runtime_error);
  EXPECT_THROW(apply_prefer_option("video=x", settings), std::runtime_error);
  apply_prefer_option("cipher=aes-128-gcm,aes-256-gcm", settings);
  EXPECT_EQ(settings.prefer.at(PARLEY_KIND_CIPHER).size(), 2u);
}

TEST(Paths, FollowXdgVariables) {
  ::setenv("XDG_DATA_HOME", "/tmp/xdg-data", 1);
  ::setenv("XDG_CONFIG_HOME", "/tmp/xdg-config", 1);
  EXPECT_EQ(user_plugin_dir(), "/tmp/xdg-data/parley/plugins");
  EXPECT_EQ(user_config_dir(), "/tmp/xdg-config/parley");
  ::setenv("XDG_DATA_HOME", "relative/ignored", 1);  // the spec says relative values are invalid
  ::setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(user_data_dir(), "/home/someone/.local/share/parley");
}

}  // namespace
}  // namespace parley::config
