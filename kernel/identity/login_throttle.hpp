// Slowing password guessing on the login server, in memory (a restart
// forgets; that costs an attacker one backoff period per restart, which an
// operator sees).
//
// Failed attempts (wrong password, unknown user) are counted per account and
// per source address. After `free_failures` in a row, the next attempt must
// wait base * 2^(n - free_failures), at most `cap`, after the last failure;
// an attempt made earlier is refused with THROTTLED and the wait, without
// checking the password (so refused attempts cost no Argon2 time) and without
// counting as a failure. A success clears the account's count but not the
// address's (one's own account must not reset a guessing address). A count is
// forgotten `forget_after` its last failure.
//
// Defaults (docs/identity.md): per account, 5 free failures, then 1 s, 2 s,
// 4 s ... capped at 300 s (an attacker gets about 300 guesses a day at one
// account, the owner is never locked out for more than 5 minutes); per
// address, 20 free failures, then 1 s doubling to at most 900 s.
// Registration is limited per address by a token bucket (default 10 at once,
// then 10 an hour), since each registration costs an Argon2 hash.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace parley::login {

using SteadyClock = std::chrono::steady_clock;

struct BackoffPolicy {
  std::uint32_t free_failures = 5;
  std::chrono::milliseconds base{1000};
  std::chrono::milliseconds cap{300'000};
  std::chrono::milliseconds forget_after{24 * 3600 * 1000};
};

struct ThrottlePolicy {
  BackoffPolicy per_account{};
  BackoffPolicy per_address{20, std::chrono::milliseconds(1000), std::chrono::milliseconds(900'000),
                            std::chrono::milliseconds(3600 * 1000)};
  std::size_t max_tracked = 100'000;  // per map; the least recently failed go first
};

// The wait after `failures` consecutive failures (zero while still free).
std::chrono::milliseconds backoff_delay(const BackoffPolicy& policy, std::uint32_t failures);

class LoginThrottle {
 public:
  explicit LoginThrottle(ThrottlePolicy policy) : policy_(policy) {}

  // Zero when an attempt may go ahead now; otherwise how long until it may.
  std::chrono::milliseconds retry_after(std::string_view account, std::string_view address,
                                        SteadyClock::time_point now);
  void record_failure(std::string_view account, std::string_view address,
                      SteadyClock::time_point now);
  void record_success(std::string_view account);

 private:
  struct Entry {
    std::uint32_t failures = 0;
    SteadyClock::time_point last_failure;
  };
  using Table = std::map<std::string, Entry, std::less<>>;
  std::chrono::milliseconds wait(Table& table, const BackoffPolicy& policy, std::string_view key,
                                 SteadyClock::time_point now);
  void fail(Table& table, const BackoffPolicy& policy, std::string_view key,
            SteadyClock::time_point now);

  ThrottlePolicy policy_;
  std::mutex mutex_;
  Table accounts_;
  Table addresses_;
};

// Token bucket per address: `burst` at once, refilled at `per_hour`.
// per_hour 0 means unlimited.
struct RatePolicy {
  double per_hour = 10;
  double burst = 10;
};

class RateLimiter {
 public:
  explicit RateLimiter(RatePolicy policy) : policy_(policy) {}
  // Zero and one token taken, or how long until a token is available.
  std::chrono::milliseconds take(std::string_view address, SteadyClock::time_point now);

 private:
  struct Bucket {
    double tokens = 0;
    SteadyClock::time_point updated;
  };
  RatePolicy policy_;
  std::mutex mutex_;
  std::map<std::string, Bucket, std::less<>> buckets_;
};

}  // namespace parley::login
