#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "plugin/policy.hpp"

namespace parley::plugin {
namespace {

std::filesystem::path write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path;
}

TEST(Policy, ReadsDenyRequirePinAndInsecureFlag) {
  const auto path = write_temp("parley-policy-test.conf",
                               "[policy]\ndeny = org.a.x, org.b.y\ndeny = org.c.z\n"
                               "require = org.parley.codec.g711\nallow_insecure_cipher = true\n"
                               "[pin]\ncipher = aes-256-gcm\n");
  const auto policy = Policy::load(path);
  EXPECT_EQ(policy.deny, (std::set<std::string>{"org.a.x", "org.b.y", "org.c.z"}));
  EXPECT_EQ(policy.require, (std::set<std::string>{"org.parley.codec.g711"}));
  EXPECT_TRUE(policy.allow_insecure_cipher);
  EXPECT_EQ(policy.pin.at(PARLEY_KIND_CIPHER), "aes-256-gcm");
}

TEST(Policy, MalformedFileIsAClearError) {
  const auto path =
      write_temp("parley-policy-bad.conf", "[policy]\nallow_insecure_cipher = maybe\n");
  try {
    (void)Policy::load(path);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find(path.string()), std::string::npos) << error.what();
  }
  const auto unknown = write_temp("parley-policy-unknown.conf", "[policy]\nallow_everything = 1\n");
  EXPECT_THROW((void)Policy::load(unknown), std::runtime_error);
  EXPECT_THROW((void)Policy::load("/nonexistent/policy.conf"), std::runtime_error);
}

TEST(Policy, UnmetRequirementsNameThePluginAndWhy) {
  PluginRegistry registry;
  registry.discover({PARLEY_BUILT_PLUGIN_DIR, PARLEY_FIXTURE_PLUGIN_DIR});
  Policy policy;
  policy.require = {"org.parley.codec.g711", "org.example.missing"};
  const auto unmet = policy.unmet_requirements(registry);
  ASSERT_EQ(unmet.size(), 1u);
  EXPECT_NE(unmet[0].find("org.example.missing was not found"), std::string::npos) << unmet[0];
}

}  // namespace
}  // namespace parley::plugin
