// Renewing the certificate while the client runs: when (renewal_wait, with
// short-lived certificates from a test login-server key) and how
// (CertificateRenewal: the blocking renewal on a worker thread, the result
// verified and handed over on the io thread, retries after failures).
#include "overlay/client_certificate_renewal.hpp"

#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <future>
#include <thread>

#include "run_until.hpp"

namespace parley::overlay {
namespace {

using namespace std::chrono_literals;
using identity::SigningKey;

class ClientNodeCertificateRenewal : public testing::Test {
 protected:
  SigningKey server_ = SigningKey::generate();
  SigningKey alice_ = SigningKey::generate();
  boost::asio::io_context io_;
  std::vector<std::string> events_;
  std::int64_t now_s_ = identity::unix_seconds(identity::Clock::now());

  identity::Certificate issue(std::int64_t not_before_s, std::int64_t not_after_s,
                              const SigningKey& subject, std::uint64_t serial = 1) const {
    return identity::issue_certificate(server_, "alice", subject.public_key(), not_before_s,
                                       not_after_s, serial);
  }
  std::vector<std::uint8_t> issue_bytes(std::int64_t not_before_s, std::int64_t not_after_s,
                                        const SigningKey& subject, std::uint64_t serial = 1) const {
    return identity::encode_certificate(issue(not_before_s, not_after_s, subject, serial));
  }

  std::unique_ptr<CertificateRenewal> renewal(std::vector<std::uint8_t> current,
                                              CertificateRenewal::Renew renew,
                                              CertificateRenewal::Store store,
                                              CertificateRenewal::Renewed renewed) {
    CertificateRenewal::Options options;
    options.certificate = std::move(current);
    options.login_server_key = server_.public_key();
    options.timing.first_retry = 50ms;
    options.timing.max_retry = 200ms;
    return std::make_unique<CertificateRenewal>(
        io_, std::move(options), std::move(renew), std::move(store), std::move(renewed),
        [this](const std::string& line) { events_.push_back(line); });
  }

  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds deadline = 5s) {
    return test::run_until(io_, done, deadline);
  }

  bool heard(const std::string& part) const {
    return std::any_of(events_.begin(), events_.end(), [&](const std::string& line) {
      return line.find(part) != std::string::npos;
    });
  }
};

TEST_F(ClientNodeCertificateRenewal, WaitsUntilTheLastFifthOfTheValidity) {
  const RenewalTiming timing;  // defaults: recheck 10 min
  const auto now = identity::Clock::time_point(std::chrono::seconds(now_s_));
  // 100 s certificate starting now: due at 80 s.
  const auto fresh = issue(now_s_, now_s_ + 100, alice_);
  EXPECT_EQ(renewal_wait(fresh, now, 0, std::nullopt, timing), 80'000ms);
  EXPECT_EQ(renewal_wait(fresh, now + 79s, 0, std::nullopt, timing), 1'000ms);
  EXPECT_EQ(renewal_wait(fresh, now + 80s, 0, std::nullopt, timing), 0ms);
  EXPECT_EQ(renewal_wait(fresh, now + 99s, 0, std::nullopt, timing), 0ms);
  EXPECT_EQ(renewal_wait(fresh, now + 100s, 0, std::nullopt, timing),
            std::nullopt);  // expired: log in
  // 24 h certificate: looked at again every 10 min until its last 4.8 h.
  const auto day = issue(now_s_, now_s_ + 86'400, alice_);
  EXPECT_EQ(renewal_wait(day, now, 0, std::nullopt, timing), timing.recheck);
  EXPECT_EQ(renewal_wait(day, now + 69'120s - 5s, 0, std::nullopt, timing), 5'000ms);
  EXPECT_EQ(renewal_wait(day, now + 69'120s, 0, std::nullopt, timing), 0ms);
}

TEST_F(ClientNodeCertificateRenewal, ARenewedShortCertificateIsNotRenewedInALoop) {
  // What the login server issues with --certificate-validity-s 60: not-before
  // backdated by its 300 s skew allowance, so due (last 72 s of 360) at once.
  const auto now = identity::Clock::time_point(std::chrono::seconds(now_s_));
  const auto issued = issue(now_s_ - 300, now_s_ + 60, alice_);
  EXPECT_EQ(renewal_wait(issued, now, 0), 0ms);  // as found at start: renew
  // Just renewed: not before half of its 60 s left have passed.
  EXPECT_EQ(renewal_wait(issued, now, 0, now), 30'000ms);
  EXPECT_EQ(renewal_wait(issued, now + 30s, 0, now), 0ms);
  // A 24 h certificate renewed on time keeps the usual rule (due in its last 20%).
  const auto day = issue(now_s_ - 300, now_s_ + 86'400, alice_);
  RenewalTiming hourly;
  hourly.recheck = 100'000'000ms;  // no recheck cap, to see the due time itself
  EXPECT_EQ(renewal_wait(day, now, 0, now, hourly), 69'060'000ms);
}

TEST_F(ClientNodeCertificateRenewal, RetriesBackOffButNotPastHalfTheTimeLeft) {
  const RenewalTiming timing;  // 15 s doubling to 10 min
  const auto now = identity::Clock::time_point(std::chrono::seconds(now_s_));
  const auto day = issue(now_s_ - 80'000, now_s_ + 6'400, alice_);  // due, 6400 s left
  EXPECT_EQ(renewal_wait(day, now, 1, std::nullopt, timing), 15'000ms);
  EXPECT_EQ(renewal_wait(day, now, 2, std::nullopt, timing), 30'000ms);
  EXPECT_EQ(renewal_wait(day, now, 3, std::nullopt, timing), 60'000ms);
  EXPECT_EQ(renewal_wait(day, now, 10, std::nullopt, timing), 600'000ms);
  EXPECT_EQ(renewal_wait(day, now, 1'000, std::nullopt, timing), 600'000ms);  // no overflow
  // 40 s left: at most 20 s; 1 s left: still at least 1 s between tries.
  EXPECT_EQ(renewal_wait(day, now + 6'360s, 10, std::nullopt, timing), 20'000ms);
  EXPECT_EQ(renewal_wait(day, now + 6'399s, 10, std::nullopt, timing), 1'000ms);
}

TEST_F(ClientNodeCertificateRenewal, RenewsOnAWorkerThreadAndHandsTheResultOver) {
  // Due now: 100 s certificate with 20 s left.
  const auto current = issue_bytes(now_s_ - 80, now_s_ + 20, alice_);
  const auto next = issue_bytes(now_s_ - 1, now_s_ + 3600, alice_, 2);
  const auto io_thread = std::this_thread::get_id();
  std::promise<void> release;
  auto released = release.get_future().share();
  std::thread::id renew_thread;
  std::vector<std::uint8_t> renewed_from;
  std::vector<std::uint8_t> stored;
  std::optional<std::vector<std::uint8_t>> handed;
  bool handed_on_io_thread = false;
  // The renewal blocks until an io-thread timer releases it: a renewal run on
  // the io thread would never see that timer fire.
  boost::asio::steady_timer release_timer(io_, 50ms);
  release_timer.async_wait([&](const boost::system::error_code&) { release.set_value(); });
  auto renewer = renewal(
      current,
      [&, released](std::span<const std::uint8_t> from) {
        renew_thread = std::this_thread::get_id();
        renewed_from.assign(from.begin(), from.end());
        if (released.wait_for(5s) != std::future_status::ready) throw std::runtime_error("stuck");
        return next;
      },
      [&](std::span<const std::uint8_t> bytes) { stored.assign(bytes.begin(), bytes.end()); },
      [&](const std::vector<std::uint8_t>& bytes, const identity::Certificate& parsed) {
        handed = bytes;
        handed_on_io_thread = std::this_thread::get_id() == io_thread;
        EXPECT_EQ(parsed.serial, 2U);
      });
  renewer->start();
  ASSERT_TRUE(run_until([&] { return handed.has_value(); }));
  EXPECT_NE(renew_thread, io_thread);
  EXPECT_TRUE(handed_on_io_thread);
  EXPECT_EQ(renewed_from, current);
  EXPECT_EQ(*handed, next);
  EXPECT_EQ(stored, next);
  EXPECT_EQ(renewer->certificate().serial, 2U);
  EXPECT_EQ(renewer->failures_in_a_row(), 0U);
  EXPECT_TRUE(heard("certificate renewed, valid until"));
}

TEST_F(ClientNodeCertificateRenewal, AFailedRenewalIsRetriedAndABadOneRefused) {
  const auto current = issue_bytes(now_s_ - 80, now_s_ + 20, alice_);
  const auto mallory = SigningKey::generate();
  std::atomic<int> attempts{0};
  std::optional<std::vector<std::uint8_t>> handed;
  const auto good = issue_bytes(now_s_ - 1, now_s_ + 3600, alice_, 3);
  auto renewer = renewal(
      current,
      [&](std::span<const std::uint8_t>) -> std::vector<std::uint8_t> {
        switch (++attempts) {
          case 1: throw std::runtime_error("login server unreachable");
          case 2: return issue_bytes(now_s_ - 1, now_s_ + 3600, mallory, 9);  // another key
          default: return good;
        }
      },
      [](std::span<const std::uint8_t>) { throw std::runtime_error("disk full"); },
      [&](const std::vector<std::uint8_t>& bytes, const identity::Certificate&) {
        handed = bytes;
      });
  renewer->start();
  ASSERT_TRUE(run_until([&] { return handed.has_value(); }));
  EXPECT_EQ(attempts.load(), 3);
  EXPECT_EQ(*handed, good);
  EXPECT_TRUE(heard("certificate renewal failed (1 in a row): login server unreachable"));
  EXPECT_TRUE(
      heard("certificate renewal failed (2 in a row): the renewed certificate is for "
            "another key"));
  EXPECT_TRUE(heard("cannot save the renewed certificate (used all the same): disk full"));
  EXPECT_EQ(renewer->failures_in_a_row(), 0U);
}

TEST_F(ClientNodeCertificateRenewal, NotDueMeansNoRenewalAndExpiredSaysLogIn) {
  std::atomic<int> attempts{0};
  const auto count = [&](std::span<const std::uint8_t>) -> std::vector<std::uint8_t> {
    ++attempts;
    throw std::runtime_error("not expected");
  };
  auto fresh = renewal(issue_bytes(now_s_, now_s_ + 3600, alice_), count, {}, {});
  fresh->start();
  auto expired = renewal(issue_bytes(now_s_ - 3600, now_s_ - 1, alice_), count, {}, {});
  expired->start();
  ASSERT_TRUE(run_until([&] { return heard("certificate expired at"); }));
  EXPECT_TRUE(heard("parley account login --user alice"));
  io_.restart();
  io_.run_for(100ms);
  EXPECT_EQ(attempts.load(), 0);
  // A certificate from another login server is not one to renew.
  const auto other = SigningKey::generate();
  CertificateRenewal::Options foreign;
  foreign.certificate = identity::encode_certificate(
      identity::issue_certificate(other, "alice", alice_.public_key(), now_s_, now_s_ + 3600, 1));
  foreign.login_server_key = server_.public_key();
  EXPECT_THROW(CertificateRenewal(io_, foreign, count, {}, {}, {}), std::invalid_argument);
}

}  // namespace
}  // namespace parley::overlay
