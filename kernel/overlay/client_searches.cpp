#include "overlay/client_searches.hpp"

#include <algorithm>

#include "identity/user_id.hpp"

namespace parley::overlay {

std::optional<std::string> search_query_problem(const std::string& query, bool prefix) {
  if (!prefix) return identity::user_id_problem(query);
  if (query.size() < kMinPrefixBytes) {
    return "a prefix search needs at least " + std::to_string(kMinPrefixBytes) + " characters";
  }
  // Every prefix of a valid id is itself a valid id (the rules are per
  // character plus the first one), so the same check applies.
  if (auto problem = identity::user_id_problem(query)) return "the prefix: " + *problem;
  return std::nullopt;
}

bool search_matches(const std::string& query, bool prefix, const std::string& user_id) {
  return prefix ? user_id.starts_with(query) : user_id == query;
}

std::optional<std::uint64_t> SearchTable::add(Pending pending) {
  if (pending_.size() >= kMaxSearchesInFlight) return std::nullopt;
  const auto id = next_id_++;
  pending_.emplace(id, std::move(pending));
  return id;
}

std::optional<SearchTable::Pending> SearchTable::take(std::uint64_t query_id) {
  const auto found = pending_.find(query_id);
  if (found == pending_.end()) return std::nullopt;
  auto pending = std::move(found->second);
  pending_.erase(found);
  return pending;
}

std::vector<SearchTable::Pending> SearchTable::take_due(Clock::time_point now) {
  std::vector<Pending> due;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.deadline <= now) {
      due.push_back(std::move(it->second));
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  return due;
}

std::vector<SearchTable::Pending> SearchTable::take_all() {
  std::vector<Pending> all;
  all.reserve(pending_.size());
  for (auto& [id, pending] : pending_) all.push_back(std::move(pending));
  pending_.clear();
  return all;
}

std::optional<SearchTable::Clock::time_point> SearchTable::next_deadline() const {
  std::optional<Clock::time_point> earliest;
  for (const auto& [id, pending] : pending_) {
    if (!earliest || pending.deadline < *earliest) earliest = pending.deadline;
  }
  return earliest;
}

}  // namespace parley::overlay
