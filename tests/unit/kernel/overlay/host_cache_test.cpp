#include "overlay/host_cache.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace parley::overlay {
namespace {

identity::PublicKey key(std::uint8_t fill) {
  identity::PublicKey k;
  k.bytes.fill(fill);
  return k;
}

std::string addr(int i) {
  return "127.0.0.1:" + std::to_string(10000 + i);
}

constexpr std::int64_t kNow = 1'800'000'000;

class OverlayHostCacheFile : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("parley-host-cache-" + std::to_string(::getpid()) + "-" +
            testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path file() const { return dir_ / "host_cache.json"; }
  std::filesystem::path dir_;
};

TEST(OverlayHostCache, RanksFailuresThenRecentSuccessThenRtt) {
  HostCache cache;
  cache.learn(addr(1), std::nullopt, kNow);                    // never tried
  cache.record_success(addr(2), key(2), 80, kNow - 60);        // slow
  cache.record_success(addr(3), key(3), 10, kNow - 60);        // fast
  cache.record_success(addr(4), key(4), 5, kNow - 3 * 86400);  // fast, but long ago
  cache.record_success(addr(5), key(5), 1, kNow);              // fastest, then it failed
  cache.record_failure(addr(5));
  const auto ranked = cache.ranked(kNow);
  ASSERT_EQ(ranked.size(), 5U);
  EXPECT_EQ(ranked[0].address, addr(3));
  EXPECT_EQ(ranked[1].address, addr(2));
  EXPECT_EQ(ranked[2].address, addr(4));
  EXPECT_EQ(ranked[3].address, addr(1));
  EXPECT_EQ(ranked[4].address, addr(5));
}

TEST(OverlayHostCache, SuccessClearsFailuresAndRecordsKey) {
  HostCache cache;
  cache.learn(addr(1), std::nullopt, kNow);
  cache.record_failure(addr(1));
  cache.record_success(addr(1), key(7), 12, kNow);
  const auto* entry = cache.find(addr(1));
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->consecutive_failures, 0U);
  EXPECT_EQ(entry->key, key(7));
  EXPECT_EQ(entry->rtt_ms, 12U);
}

TEST(OverlayHostCache, LearningDoesNotReplaceARecordedKey) {
  HostCache cache;
  cache.learn(addr(1), key(1), kNow);
  cache.learn(addr(1), key(2), kNow);  // a list from another super node cannot re-pin it
  EXPECT_EQ(cache.find(addr(1))->key, key(1));
}

TEST(OverlayHostCache, KeepsAtMost200AndDropsTheWorst) {
  HostCache cache;
  cache.record_success(addr(0), key(1), 5, kNow);
  for (int i = 1; i <= 250; ++i) cache.learn(addr(i), std::nullopt, kNow);
  EXPECT_EQ(cache.size(), kHostCacheCapacity);
  EXPECT_NE(cache.find(addr(0)), nullptr);  // the one that worked stays
}

TEST_F(OverlayHostCacheFile, RoundTripsThroughTheFile) {
  HostCache cache;
  cache.record_success(addr(1), key(1), 15, kNow);
  cache.learn(addr(2), key(2), kNow);
  cache.learn(addr(3), std::nullopt, kNow);
  cache.record_failure(addr(3));
  cache.save(file());
  EXPECT_EQ(std::filesystem::status(file()).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const auto loaded = HostCache::load(file());
  ASSERT_EQ(loaded.size(), 3U);
  const auto* one = loaded.find(addr(1));
  ASSERT_NE(one, nullptr);
  EXPECT_EQ(one->key, key(1));
  EXPECT_EQ(one->rtt_ms, 15U);
  EXPECT_EQ(one->last_success_unix_s, kNow);
  EXPECT_FALSE(loaded.find(addr(3))->key.has_value());
  EXPECT_EQ(loaded.find(addr(3))->consecutive_failures, 1U);
}

TEST_F(OverlayHostCacheFile, MissingFileIsAnEmptyCache) {
  EXPECT_EQ(HostCache::load(file()).size(), 0U);
}

TEST_F(OverlayHostCacheFile, CorruptFileIsSetAsideNotFatal) {
  for (const std::string& text :
       {std::string("{\"format\": \"parley-host-cache\", \"super_nodes\": [{\"addr"),
        std::string("not json at all \x01\x02"),
        std::string(
            R"({"format":"parley-host-cache","super_nodes":[{"address":"a:1","key":"xx"}]})"),
        std::string(
            R"({"format":"parley-host-cache","super_nodes":[{"address":"a:1","rtt_ms":-4}]})"),
        std::string(R"({"format":"other","super_nodes":[]})")}) {
    std::ofstream(file(), std::ios::binary) << text;
    EXPECT_EQ(HostCache::load(file()).size(), 0U) << text;
    auto aside = file();
    aside += ".corrupt";
    EXPECT_TRUE(std::filesystem::exists(aside)) << text;
    EXPECT_FALSE(std::filesystem::exists(file())) << text;
  }
}

TEST_F(OverlayHostCacheFile, OversizedFileIsRefusedUnread) {
  std::ofstream out(file(), std::ios::binary);
  out << R"({"format":"parley-host-cache","super_nodes":[)";
  out << std::string(kMaxHostCacheFileBytes, ' ') << "]}";
  out.close();
  EXPECT_EQ(HostCache::load(file()).size(), 0U);
}

}  // namespace
}  // namespace parley::overlay
