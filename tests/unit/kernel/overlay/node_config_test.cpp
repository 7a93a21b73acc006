#include "overlay/node_config.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

namespace parley::overlay {
namespace {

std::filesystem::path write_conf(const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("parley-node-" + std::to_string(::getpid()) + ".conf");
  std::ofstream(path) << text;
  return path;
}

TEST(OverlayNodeConfig, ReadsTheNodeSectionOnly) {
  const auto path = write_conf(
      "[codec]\nprefer = opus\n[node]\npromotion = never\nkeep_alive_ms = 250\n"
      "max_clients = 2\n# comment\n[other]\nmax_clients = 99\n");
  NodeConfig config;
  read_node_config(path, config);
  EXPECT_EQ(config.promotion, PromotionPolicy::never);
  EXPECT_EQ(config.keep_alive_interval.count(), 250);
  EXPECT_EQ(config.max_clients, 2U);
  std::filesystem::remove(path);
}

TEST(OverlayNodeConfig, ReadsTheLoginKeyAndRelayLimit) {
  const auto key = identity::SigningKey::generate().public_key();
  const auto path = write_conf("[node]\nlogin_server_key = " + key.to_text() +
                               "\nmax_relayed_calls = 7\nrelay_bytes_per_s = 32000\n");
  NodeConfig config;
  read_node_config(path, config);
  ASSERT_TRUE(config.login_server_key);
  EXPECT_EQ(*config.login_server_key, key);
  EXPECT_EQ(config.max_relayed_calls, 7U);
  EXPECT_EQ(config.relay_bytes_per_s, 32'000U);
  std::filesystem::remove(path);
}

TEST(OverlayNodeConfig, RefusesBadValues) {
  for (const char* text : {"[node]\npromotion = sometimes\n", "[node]\nmax_clients = -1\n",
                           "[node]\nlogin_server_key = not-a-key\n", "[node]\nkeep_alive_ms = 1\n",
                           "[node]\nunknown = 1\n"}) {
    const auto path = write_conf(text);
    NodeConfig config;
    EXPECT_THROW(read_node_config(path, config), std::runtime_error) << text;
    std::filesystem::remove(path);
  }
}

}  // namespace
}  // namespace parley::overlay
