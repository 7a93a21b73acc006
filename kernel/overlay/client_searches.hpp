// The searches a client node has in flight (ClientNode::search): each has an
// id the super node's answer must echo and a deadline after which its caller
// hears "no answer". Kept apart from the link so its rules can be tested
// alone: which queries may be sent, which answers belong to which search, and
// which records an answer may contain.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "overlay/client_node.hpp"

namespace parley::overlay {

inline constexpr std::size_t kMaxSearchesInFlight = 64;
inline constexpr std::size_t kMaxFoundUsers = 50;  // per search; the super node's cap too
// overlay.proto allows 2, but the directory (plugins/directory/opendht) indexes
// prefixes of 3 and 6 characters and refuses shorter searches: say so here,
// before the query travels.
inline constexpr std::size_t kMinPrefixBytes = 3;
inline constexpr std::chrono::milliseconds kMaxSearchTimeout{5'000};  // the super node's cap
// How long past its own timeout a search waits for the super node's answer.
inline constexpr std::chrono::milliseconds kSearchAnswerGrace{2'000};

// Empty when the query may be sent: exact, a valid user id; prefix, at least
// kMinPrefixBytes characters that can begin a user id. Otherwise why not, for people.
std::optional<std::string> search_query_problem(const std::string& query, bool prefix);

// Whether a record for user_id answers the query (a super node that returns
// someone else's valid record is not believed).
bool search_matches(const std::string& query, bool prefix, const std::string& user_id);

class SearchTable {
 public:
  using Clock = std::chrono::steady_clock;
  struct Pending {
    std::string query;
    bool prefix = false;
    Clock::time_point sent;
    Clock::time_point deadline;
    ClientNode::SearchHandler done;
  };

  // The id to send; empty when kMaxSearchesInFlight are already waiting.
  std::optional<std::uint64_t> add(Pending pending);
  // The search an answer names; empty for an unknown or already finished id.
  std::optional<Pending> take(std::uint64_t query_id);
  // Every search whose deadline is at or before now, oldest id first.
  std::vector<Pending> take_due(Clock::time_point now);
  std::vector<Pending> take_all();
  [[nodiscard]] std::optional<Clock::time_point> next_deadline() const;
  [[nodiscard]] std::size_t size() const { return pending_.size(); }

 private:
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, Pending> pending_;
};

}  // namespace parley::overlay
