#include "identity/login_throttle.hpp"

#include <algorithm>
#include <vector>

namespace parley::login {
namespace {

constexpr std::size_t kMaxBuckets = 100'000;

// Keeps a table within its bound: forgotten entries first, then the least
// recently failed. Runs only when the table is full, so its cost is spread.
template <typename Table, typename Stale, typename Age>
void prune(Table& table, std::size_t max_entries, Stale is_stale, Age age) {
  if (table.size() < max_entries) return;
  std::erase_if(table, [&](const auto& item) { return is_stale(item.second); });
  if (table.size() < max_entries) return;
  std::vector<typename Table::iterator> by_age;
  by_age.reserve(table.size());
  for (auto it = table.begin(); it != table.end(); ++it) by_age.push_back(it);
  const auto keep = max_entries / 2;
  std::nth_element(by_age.begin(), by_age.begin() + static_cast<long>(by_age.size() - keep),
                   by_age.end(), [&](auto a, auto b) { return age(a->second) < age(b->second); });
  for (std::size_t i = 0; i < by_age.size() - keep; ++i) table.erase(by_age[i]);
}

}  // namespace

std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, std::uint32_t failures) {
  if (failures < policy.free_failures) return std::chrono::milliseconds(0);
  const auto doublings = failures - policy.free_failures;
  // Past 40 doublings any realistic cap has long been reached: stop before overflow.
  if (doublings >= 40) return policy.cap;
  const auto delay = policy.base * (std::int64_t{1} << doublings);
  return std::min(delay, policy.cap);
}

std::chrono::milliseconds LoginThrottle::wait(Table& table, const BackoffPolicy& policy,
                                              std::string_view key, SteadyClock::time_point now) {
  const auto found = table.find(key);
  if (found == table.end()) return std::chrono::milliseconds(0);
  if (now - found->second.last_failure >= policy.forget_after) {
    table.erase(found);
    return std::chrono::milliseconds(0);
  }
  const auto allowed_at =
      found->second.last_failure + backoff_delay(policy, found->second.failures);
  if (now >= allowed_at) return std::chrono::milliseconds(0);
  // Rounded up: a client that waits exactly this long is let in.
  return std::chrono::ceil<std::chrono::milliseconds>(allowed_at - now);
}

void LoginThrottle::fail(Table& table, const BackoffPolicy& policy, std::string_view key,
                         SteadyClock::time_point now) {
  auto found = table.find(key);
  if (found == table.end()) {
    prune(
        table, policy_.max_tracked,
        [&](const Entry& entry) { return now - entry.last_failure >= policy.forget_after; },
        [](const Entry& entry) { return entry.last_failure; });
    found = table.emplace(std::string(key), Entry{}).first;
  } else if (now - found->second.last_failure >= policy.forget_after) {
    found->second.failures = 0;
  }
  if (found->second.failures < 1'000'000) ++found->second.failures;
  found->second.last_failure = now;
}

std::chrono::milliseconds LoginThrottle::retry_after(std::string_view account,
                                                     std::string_view address,
                                                     SteadyClock::time_point now) {
  const std::lock_guard lock(mutex_);
  return std::max(wait(accounts_, policy_.per_account, account, now),
                  wait(addresses_, policy_.per_address, address, now));
}

void LoginThrottle::record_failure(std::string_view account, std::string_view address,
                                   SteadyClock::time_point now) {
  const std::lock_guard lock(mutex_);
  fail(accounts_, policy_.per_account, account, now);
  fail(addresses_, policy_.per_address, address, now);
}

void LoginThrottle::record_success(std::string_view account) {
  const std::lock_guard lock(mutex_);
  if (const auto found = accounts_.find(account); found != accounts_.end()) accounts_.erase(found);
}

std::chrono::milliseconds RateLimiter::take(std::string_view address, SteadyClock::time_point now) {
  if (policy_.per_hour <= 0) return std::chrono::milliseconds(0);
  const std::lock_guard lock(mutex_);
  const double per_ms = policy_.per_hour / 3'600'000.0;
  auto found = buckets_.find(address);
  if (found == buckets_.end()) {
    // A bucket that has refilled completely is the same as no bucket.
    std::erase_if(buckets_, [&](const auto& item) {
      const double elapsed_ms =
          std::chrono::duration<double, std::milli>(now - item.second.updated).count();
      return item.second.tokens + elapsed_ms * per_ms >= policy_.burst;
    });
    // Still full of partly used buckets: registrations wait rather than the
    // table growing without bound (fails closed; logins are unaffected).
    if (buckets_.size() >= kMaxBuckets) return std::chrono::milliseconds(60'000);
    found = buckets_.emplace(std::string(address), Bucket{policy_.burst, now}).first;
  }
  auto& bucket = found->second;
  const double elapsed_ms = std::chrono::duration<double, std::milli>(now - bucket.updated).count();
  bucket.tokens = std::min(policy_.burst, bucket.tokens + elapsed_ms * per_ms);
  bucket.updated = now;
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return std::chrono::milliseconds(0);
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>((1.0 - bucket.tokens) / per_ms) + 1);
}

}  // namespace parley::login
