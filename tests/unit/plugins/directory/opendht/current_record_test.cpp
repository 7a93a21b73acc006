#include "current_record.hpp"

#include <gtest/gtest.h>

#include <string>

namespace parley::opendht_directory {
namespace {

struct Version {
  std::uint64_t published;
  std::string text;
  std::vector<std::uint8_t> bytes() const { return {text.begin(), text.end()}; }
};

class opendht_current_record : public testing::Test {
 protected:
  static constexpr std::uint64_t kNow = 1000;
  static constexpr std::uint64_t kExpires = 5000;

  std::optional<std::string> arrive(std::uint64_t id, const Version& version) {
    const auto record = version.bytes();
    return text_of(tracker.on_arrival(id, {version.published, kExpires, "k", record}, kNow));
  }
  std::optional<std::string> expire(std::uint64_t id) { return text_of(tracker.on_expiry(id)); }

  static std::optional<std::string> text_of(const std::optional<CurrentRecord::Change>& change) {
    if (!change) return std::nullopt;
    if (change->expired) return "<expired>";
    return std::string(change->record.begin(), change->record.end());
  }

  CurrentRecord tracker;
};

TEST_F(opendht_current_record, ReportsFirstAndNewerVersions) {
  EXPECT_EQ(arrive(1, {100, "v1"}), "v1");
  EXPECT_EQ(arrive(2, {200, "v2"}), "v2");
}

TEST_F(opendht_current_record, IgnoresRepeatsAndLateOlderVersions) {
  EXPECT_EQ(arrive(2, {200, "v2"}), "v2");
  EXPECT_EQ(arrive(2, {200, "v2"}), std::nullopt);  // the same value from another node
  EXPECT_EQ(arrive(1, {100, "v1"}), std::nullopt);
}

TEST_F(opendht_current_record, ExpiryOfASupersededVersionIsSilent) {
  arrive(1, {100, "v1"});
  arrive(2, {200, "v2"});
  EXPECT_EQ(expire(1), std::nullopt);
  EXPECT_EQ(expire(1), std::nullopt);
  EXPECT_EQ(expire(99), std::nullopt);  // never seen
}

TEST_F(opendht_current_record, LastExpiryIsReported) {
  arrive(1, {100, "v1"});
  EXPECT_EQ(expire(1), "<expired>");
  EXPECT_EQ(arrive(3, {300, "v3"}), "v3");  // the key comes back
}

TEST_F(opendht_current_record, ExpiryOfTheCurrentFallsBackToTheNewestLeft) {
  arrive(1, {100, "v1"});
  arrive(3, {300, "v3"});
  arrive(2, {200, "v2"});
  EXPECT_EQ(expire(3), "v2");
  EXPECT_EQ(expire(2), "v1");
  EXPECT_EQ(expire(1), "<expired>");
}

TEST_F(opendht_current_record, IgnoresVersionsAlreadyPastTheirLifetime) {
  const auto record = Version{100, "old"}.bytes();
  EXPECT_FALSE(tracker.on_arrival(1, {100, kNow, "k", record}, kNow));
  EXPECT_EQ(expire(1), std::nullopt);
}

}  // namespace
}  // namespace parley::opendht_directory
