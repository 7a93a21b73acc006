#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "overlay/client_buddy_list.hpp"
#include "temp_dir.hpp"

namespace parley::overlay {
namespace {

TEST(ClientNodeBuddyList, MissingFileIsEmpty) {
  test::TempDir dir;
  EXPECT_TRUE(BuddyList::load(dir / "buddies.txt").ids().empty());
}

TEST(ClientNodeBuddyList, RoundTripPrivateAndAtomic) {
  test::TempDir dir;
  BuddyList list;
  EXPECT_FALSE(list.add("bob"));
  EXPECT_FALSE(list.add("carol"));
  EXPECT_FALSE(list.add("bob"));  // already there: fine, no repeat
  EXPECT_TRUE(list.add("Not Valid"));
  const auto file = dir / "buddies.txt";
  list.save(file);
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777U, 0600U);
  const auto loaded = BuddyList::load(file);
  EXPECT_EQ(loaded.ids(), (std::vector<std::string>{"bob", "carol"}));
  EXPECT_EQ(loaded.skipped(), 0U);
  auto changed = loaded;
  EXPECT_TRUE(changed.remove("bob"));
  EXPECT_FALSE(changed.remove("bob"));
  EXPECT_FALSE(changed.contains("bob"));
}

TEST(ClientNodeBuddyList, HandEditedFileReadDefensively) {
  test::TempDir dir;
  const auto file = dir / "buddies.txt";
  {
    std::ofstream out(file);
    out << "# friends\n  bob  \n\nbob\n../../etc/passwd\n\x1b[31mred\ncarol\r\n";
  }
  const auto list = BuddyList::load(file);
  EXPECT_EQ(list.ids(), (std::vector<std::string>{"bob", "carol"}));
  EXPECT_EQ(list.skipped(), 3U);
}

TEST(ClientNodeBuddyList, AtMost200) {
  test::TempDir dir;
  const auto file = dir / "buddies.txt";
  {
    std::ofstream out(file);
    for (int i = 0; i < 250; ++i) out << "user" << i << '\n';
  }
  auto list = BuddyList::load(file);
  EXPECT_EQ(list.ids().size(), kMaxBuddies);
  EXPECT_EQ(list.skipped(), 50U);
  EXPECT_TRUE(list.add("one-more"));
}

TEST(ClientNodeBuddyList, OversizedFileRefused) {
  test::TempDir dir;
  const auto file = dir / "buddies.txt";
  {
    std::ofstream out(file);
    out << std::string(kMaxBuddyFileBytes + 1, '#');
  }
  EXPECT_THROW(BuddyList::load(file), std::runtime_error);
}

}  // namespace
}  // namespace parley::overlay
