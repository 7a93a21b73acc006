#include "identity/login_throttle.hpp"

#include <gtest/gtest.h>

namespace parley::login {
namespace {

using namespace std::chrono_literals;
using ms = std::chrono::milliseconds;

const SteadyClock::time_point kStart{std::chrono::hours(1000)};

TEST(Backoff, DefaultsDoubleFromOneSecondToTheCap) {
  const ThrottlePolicy policy;
  const auto& account = policy.per_account;
  EXPECT_EQ(backoff_delay(account, 4), 0ms);
  EXPECT_EQ(backoff_delay(account, 5), 1000ms);
  EXPECT_EQ(backoff_delay(account, 6), 2000ms);
  EXPECT_EQ(backoff_delay(account, 10), 32000ms);
  EXPECT_EQ(backoff_delay(account, 14), 300000ms);  // 512 s capped at 300 s
  EXPECT_EQ(backoff_delay(account, 1'000'000), 300000ms);
  EXPECT_EQ(backoff_delay(policy.per_address, 19), 0ms);
  EXPECT_EQ(backoff_delay(policy.per_address, 20), 1000ms);
  EXPECT_EQ(backoff_delay(policy.per_address, 40), 900000ms);
}

ThrottlePolicy small_policy() {
  ThrottlePolicy policy;
  policy.per_account = {2, ms(100), ms(400), ms(60'000)};
  policy.per_address = {4, ms(1000), ms(8000), ms(60'000)};
  return policy;
}

TEST(LoginThrottle, AccountWaitsAfterFreeFailures) {
  LoginThrottle throttle(small_policy());
  EXPECT_EQ(throttle.retry_after("alice", "10.0.0.1", kStart), 0ms);
  throttle.record_failure("alice", "10.0.0.1", kStart);
  EXPECT_EQ(throttle.retry_after("alice", "10.0.0.1", kStart), 0ms);
  throttle.record_failure("alice", "10.0.0.1", kStart);
  EXPECT_EQ(throttle.retry_after("alice", "10.0.0.1", kStart), 100ms);
  EXPECT_EQ(throttle.retry_after("alice", "10.0.0.2", kStart + 40ms), 60ms);  // any address
  EXPECT_EQ(throttle.retry_after("alice", "10.0.0.1", kStart + 100ms), 0ms);
  EXPECT_EQ(throttle.retry_after("bob", "10.0.0.2", kStart), 0ms);  // other accounts are free
  throttle.record_failure("alice", "10.0.0.1", kStart + 100ms);
  EXPECT_EQ(throttle.retry_after("alice", "10.0.0.3", kStart + 100ms), 200ms);
  throttle.record_failure("alice", "10.0.0.1", kStart + 300ms);
  throttle.record_failure("alice", "10.0.0.1", kStart + 700ms);
  EXPECT_EQ(throttle.retry_after("alice", "10.0.0.3", kStart + 700ms), 400ms);  // capped
}

TEST(LoginThrottle, SuccessClearsTheAccountButNotTheAddress) {
  LoginThrottle throttle(small_policy());
  for (int i = 0; i < 4; ++i)
    throttle.record_failure("user" + std::to_string(i), "10.0.0.9", kStart);
  EXPECT_EQ(throttle.retry_after("fresh", "10.0.0.9", kStart), 1000ms);  // the address waits
  throttle.record_failure("alice", "10.0.0.8", kStart);
  throttle.record_failure("alice", "10.0.0.8", kStart);
  throttle.record_success("alice");
  EXPECT_EQ(throttle.retry_after("alice", "10.0.0.7", kStart), 0ms);
  throttle.record_success("user0");
  EXPECT_EQ(throttle.retry_after("fresh", "10.0.0.9", kStart), 1000ms);
}

TEST(LoginThrottle, FailuresAreForgottenAfterAWhile) {
  LoginThrottle throttle(small_policy());
  for (int i = 0; i < 3; ++i) throttle.record_failure("alice", "10.0.0.1", kStart);
  EXPECT_GT(throttle.retry_after("alice", "10.0.0.1", kStart), 0ms);
  const auto later = kStart + ms(60'000);
  EXPECT_EQ(throttle.retry_after("alice", "10.0.0.1", later), 0ms);
  throttle.record_failure("alice", "10.0.0.1", later);  // counts from one again
  EXPECT_EQ(throttle.retry_after("alice", "10.0.0.1", later), 0ms);
}

TEST(LoginThrottle, TablesStayBounded) {
  auto policy = small_policy();
  policy.max_tracked = 100;
  LoginThrottle throttle(policy);
  for (int i = 0; i < 1000; ++i) {
    throttle.record_failure("user" + std::to_string(i), "10.0.0." + std::to_string(i % 250),
                            kStart + ms(i));
  }
  // The most recent failures are still remembered.
  throttle.record_failure("user999", "10.0.1.1", kStart + ms(1000));
  throttle.record_failure("user999", "10.0.1.1", kStart + ms(1000));
  EXPECT_GT(throttle.retry_after("user999", "10.0.2.2", kStart + ms(1000)), 0ms);
}

TEST(RateLimiter, BurstThenSteadyRate) {
  RateLimiter limiter(RatePolicy{3600, 2});  // one a second after a burst of two
  EXPECT_EQ(limiter.take("a", kStart), 0ms);
  EXPECT_EQ(limiter.take("a", kStart), 0ms);
  const auto wait = limiter.take("a", kStart);
  EXPECT_GT(wait, 990ms);
  EXPECT_LE(wait, 1001ms);
  EXPECT_EQ(limiter.take("b", kStart), 0ms);  // per address
  EXPECT_EQ(limiter.take("a", kStart + 1001ms), 0ms);
  RateLimiter unlimited(RatePolicy{0, 0});
  for (int i = 0; i < 100; ++i) EXPECT_EQ(unlimited.take("a", kStart), 0ms);
}

}  // namespace
}  // namespace parley::login
