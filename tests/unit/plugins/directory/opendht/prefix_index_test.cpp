#include "prefix_index.hpp"

#include <gtest/gtest.h>

namespace parley::opendht_directory {
namespace {

using Prefixes = std::vector<std::string>;

TEST(opendht_prefix_index, IndexesAtThreeAndSixCharacters) {
  EXPECT_EQ(index_prefixes("alice"), (Prefixes{"ali"}));
  EXPECT_EQ(index_prefixes("alicia"), (Prefixes{"ali", "alicia"}));
  EXPECT_EQ(index_prefixes("bartholomew"), (Prefixes{"bar", "bartho"}));
  EXPECT_EQ(index_prefixes("bob"), (Prefixes{"bob"}));
  EXPECT_TRUE(index_prefixes("al").empty());
  EXPECT_TRUE(index_prefixes("").empty());
}

TEST(opendht_prefix_index, FoldsAsciiCaseOnly) {
  EXPECT_EQ(index_prefixes("ALIceS"), (Prefixes{"ali", "alices"}));
  EXPECT_EQ(fold_case("Ünïcode-ABC"), "Ünïcode-abc");
}

TEST(opendht_prefix_index, CountsUtf8CodePointsNotBytes) {
  // "żółw" is 4 characters in 7 bytes: cut on character boundaries only.
  EXPECT_EQ(count_chars("żółw"), 4u);
  EXPECT_EQ(first_chars("żółw", 2), "żó");
  EXPECT_EQ(index_prefixes("żółwik"), (Prefixes{"żół", "żółwik"}));
  EXPECT_EQ(first_chars("abc", 10), "abc");
  EXPECT_EQ(first_chars("abc", 0), "");
}

TEST(opendht_prefix_index, InvalidUtf8BytesCountAsCharacters) {
  const std::string stray_continuations = "\x80\x80\x80";
  EXPECT_EQ(count_chars(stray_continuations), 0u);  // nothing starts a character
  const std::string latin1 = "\xe9t\xe9";           // "été" in Latin-1: 3 lead-like bytes
  EXPECT_EQ(count_chars(latin1), 3u);
  EXPECT_EQ(index_prefixes(latin1).size(), 1u);
}

TEST(opendht_prefix_index, SearchReadsTheLongestIndexedTopicItCovers) {
  EXPECT_EQ(index_prefix_for_search("Ali"), "ali");
  EXPECT_EQ(index_prefix_for_search("alic"), "ali");
  EXPECT_EQ(index_prefix_for_search("alice"), "ali");
  EXPECT_EQ(index_prefix_for_search("alicia"), "alicia");
  EXPECT_EQ(index_prefix_for_search("bartholomew"), "bartho");
  EXPECT_FALSE(index_prefix_for_search("al"));
  EXPECT_FALSE(index_prefix_for_search(""));
  EXPECT_FALSE(index_prefix_for_search("żó"));
  EXPECT_EQ(index_prefix_for_search("żół"), "żół");
}

TEST(opendht_prefix_index, EverySearchTopicIsOneTheKeyWasIndexedUnder) {
  const std::string key = "Bartholomew.Smith";
  const auto indexed = index_prefixes(key);
  for (std::size_t length = kMinPrefixChars; length <= key.size(); ++length) {
    const auto topic = index_prefix_for_search(key.substr(0, length));
    ASSERT_TRUE(topic);
    EXPECT_NE(std::find(indexed.begin(), indexed.end(), *topic), indexed.end()) << length;
  }
}

TEST(opendht_prefix_index, MatchesPrefixIgnoringAsciiCase) {
  EXPECT_TRUE(matches_prefix("Alice", "ali"));
  EXPECT_TRUE(matches_prefix("alice", "ALICE"));
  EXPECT_FALSE(matches_prefix("alice", "alicex"));
  EXPECT_FALSE(matches_prefix("alina", "alic"));
  EXPECT_TRUE(matches_prefix("anything", ""));
}

TEST(opendht_prefix_index, TopicsLiveInSeparateNamespaces) {
  EXPECT_NE(record_topic("ali"), prefix_topic("ali"));
  EXPECT_NE(record_topic("ali"), index_entry_topic("ali"));
  EXPECT_NE(prefix_topic("ali"), index_entry_topic("ali"));
}

}  // namespace
}  // namespace parley::opendht_directory
