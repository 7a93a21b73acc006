#include <gtest/gtest.h>

#include "overlay/client_searches.hpp"

namespace parley::overlay {
namespace {

using namespace std::chrono_literals;
using Clock = SearchTable::Clock;

SearchTable::Pending pending(const std::string& query, Clock::time_point deadline,
                             std::vector<std::string>* log = nullptr) {
  SearchTable::Pending p;
  p.query = query;
  p.deadline = deadline;
  p.done = [log, query](std::vector<FoundUser>, const std::string& error) {
    if (log != nullptr) log->push_back(query + ":" + error);
  };
  return p;
}

TEST(ClientNodeSearchQuery, ExactNeedsAUserIdPrefixAtLeastThreeCharacters) {
  EXPECT_FALSE(search_query_problem("bob", false));
  EXPECT_TRUE(search_query_problem("Bob", false));
  EXPECT_TRUE(search_query_problem("", false));
  EXPECT_FALSE(search_query_problem("bob", true));
  EXPECT_TRUE(search_query_problem("bo", true));
  EXPECT_TRUE(search_query_problem("bo*", true));
  EXPECT_TRUE(search_query_problem("-xy", true));
}

TEST(ClientNodeSearchQuery, AnswersMustMatchTheQuery) {
  EXPECT_TRUE(search_matches("bob", false, "bob"));
  EXPECT_FALSE(search_matches("bob", false, "bobby"));
  EXPECT_TRUE(search_matches("bo", true, "bobby"));
  EXPECT_FALSE(search_matches("bo", true, "alice"));
}

TEST(ClientNodeSearchTable, AnswersMatchedByIdOnce) {
  SearchTable table;
  const auto now = Clock::now();
  const auto a = table.add(pending("alice", now + 1s));
  const auto b = table.add(pending("bob", now + 1s));
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(table.take(*b)->query, "bob");
  EXPECT_FALSE(table.take(*b));  // a repeated answer finds nothing
  EXPECT_FALSE(table.take(9999));
  EXPECT_EQ(table.size(), 1U);
}

TEST(ClientNodeSearchTable, DueSearchesLeaveAtTheirDeadline) {
  SearchTable table;
  const auto now = Clock::now();
  ASSERT_TRUE(table.add(pending("late", now + 3s)));
  ASSERT_TRUE(table.add(pending("early", now + 1s)));
  EXPECT_EQ(*table.next_deadline(), now + 1s);
  EXPECT_TRUE(table.take_due(now).empty());
  const auto due = table.take_due(now + 1s);
  ASSERT_EQ(due.size(), 1U);
  EXPECT_EQ(due[0].query, "early");
  EXPECT_EQ(*table.next_deadline(), now + 3s);
  EXPECT_EQ(table.take_all().size(), 1U);
  EXPECT_FALSE(table.next_deadline());
}

TEST(ClientNodeSearchTable, BoundedInFlight) {
  SearchTable table;
  for (std::size_t i = 0; i < kMaxSearchesInFlight; ++i) {
    ASSERT_TRUE(table.add(pending("q" + std::to_string(i), Clock::now() + 1s)));
  }
  EXPECT_FALSE(table.add(pending("one-too-many", Clock::now() + 1s)));
}

}  // namespace
}  // namespace parley::overlay
