// The super node's directory service against the real OpenDHT plugin: three
// services (three directory nodes) on 127.0.0.1, bootstrapped from each
// other. Records are real signed presence records; a forged one is published
// straight through a raw DirectoryNode, past the service's checks, to show
// that readers drop it. The io_context runs on the test thread, so handlers
// and destructors run where the service expects them; waits are deadlines on
// observed state.
#include "overlay/directory_service.hpp"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <memory>

#include "free_port.hpp"
#include "opendht_plugin.hpp"
#include "run_until.hpp"

namespace parley::overlay {
namespace {

using namespace std::chrono_literals;
using identity::SigningKey;
using Steady = std::chrono::steady_clock;

constexpr auto kConnectDeadline = 30s;
constexpr auto kChangeDeadline = 20s;
constexpr auto kLookupTimeout = 2000ms;
constexpr std::uint32_t kTtl_s = 600;

// A user with a real certificate from the test's login server.
struct User {
  std::string id;
  SigningKey key = SigningKey::generate();
  std::vector<std::uint8_t> certificate;
};

struct LookupResult {
  bool done = false;
  std::vector<VerifiedPresence> found;
  std::string error;
};

class DirectoryServiceTest : public test::WithOpenDhtPlugin<testing::Test> {
 protected:
  // Services go before the io_context, on this thread, with it not running.
  void TearDown() override {
    services_.clear();
    raw_nodes_.clear();
  }

  User user(std::string id) const {
    User out;
    out.id = std::move(id);
    const auto now_s = identity::unix_seconds(identity::Clock::now());
    out.certificate = identity::encode_certificate(identity::issue_certificate(
        login_server_, out.id, out.key.public_key(), now_s - 60, now_s + 86'400, 1));
    return out;
  }

  static std::vector<std::uint8_t> signed_record(const User& user, std::uint64_t sequence,
                                                 directory::Status status,
                                                 std::chrono::milliseconds lifetime = 120s) {
    directory::Presence presence;
    presence.user_id = user.id;
    presence.display_name = "Test " + user.id;
    presence.certificate = user.certificate;
    presence.super_node = "127.0.0.1:4222";
    presence.media_addresses = {"127.0.0.1:50000"};
    presence.status = status;
    presence.issued_at_ms = directory::unix_ms(identity::Clock::now());
    presence.expires_at_ms = presence.issued_at_ms + lifetime.count();
    presence.sequence = sequence;
    return directory::sign_presence(presence, user.key);
  }

  DirectoryServiceOptions options_for(std::vector<std::string> bootstrap) const {
    DirectoryServiceOptions options;
    options.node.listen = "127.0.0.1:" + std::to_string(test::free_udp_port());
    options.node.bootstrap = std::move(bootstrap);
    options.login_server_key = login_server_.public_key();
    return options;
  }

  DirectoryService& start_service(DirectoryServiceOptions options) {
    services_.push_back(std::make_unique<DirectoryService>(io_, *plugin_, std::move(options)));
    return *services_.back();
  }

  // count services, the first alone and the others bootstrapped from it;
  // returns once each reaches a peer.
  void start_network(std::size_t count = 3) {
    auto& first = start_service(options_for({}));
    while (services_.size() < count) start_service(options_for({first.listen_address()}));
    if (count == 1) return;  // a lone node has no peer to reach
    ASSERT_TRUE(run_until(
        [&] {
          return std::all_of(services_.begin(), services_.end(), [](const auto& service) {
            return service->stats().directory_peers >= 1;
          });
        },
        kConnectDeadline))
        << "directory nodes did not reach each other";
  }

  plugin::DirectoryNode& start_raw_node() {
    const auto bootstrap = services_.front()->listen_address();
    raw_nodes_.push_back(std::make_unique<plugin::DirectoryNode>(
        plugin_->start({"127.0.0.1:" + std::to_string(test::free_udp_port()), {bootstrap}, {}})));
    return *raw_nodes_.back();
  }

  bool run_until(const std::function<bool()>& done, Steady::duration deadline) {
    return test::run_until(io_, done, deadline, 20ms);
  }

  std::string publish(DirectoryService& service, const User& user, std::vector<std::uint8_t> record,
                      std::uint32_t ttl_s = kTtl_s) {
    std::optional<std::string> outcome;
    service.publish(user.id, std::move(record), ttl_s,
                    [&](const std::string& error) { outcome = error; });
    EXPECT_TRUE(run_until([&] { return outcome.has_value(); }, kChangeDeadline));
    return outcome.value_or("no answer");
  }

  LookupResult lookup(DirectoryService& service, const std::string& user_id) {
    LookupResult result;
    service.lookup(user_id, kLookupTimeout,
                   [&](std::vector<VerifiedPresence> found, const std::string& error) {
                     result = {true, std::move(found), error};
                   });
    EXPECT_TRUE(run_until([&] { return result.done; }, kChangeDeadline));
    return result;
  }

  LookupResult lookup_prefix(DirectoryService& service, const std::string& prefix) {
    LookupResult result;
    service.lookup_prefix(prefix, kLookupTimeout, 10,
                          [&](std::vector<VerifiedPresence> found, const std::string& error) {
                            result = {true, std::move(found), error};
                          });
    EXPECT_TRUE(run_until([&] { return result.done; }, kChangeDeadline));
    return result;
  }

  // A listen takes a moment to reach the nodes that store the key (on a
  // loaded machine, seconds), and OpenDHT does not always report a value
  // stored before it arrived: until heard() holds, waits a second, then
  // publishes a newer version (publish_newer() answers the publish's error).
  bool republish_until(const std::function<std::string()>& publish_newer,
                       const std::function<bool()>& heard) {
    const auto until = Steady::now() + kChangeDeadline;
    while (!run_until(heard, 1s)) {
      if (Steady::now() >= until) return false;
      if (const auto error = publish_newer(); !error.empty()) {
        ADD_FAILURE() << "publish: " << error;
        return false;
      }
    }
    return true;
  }

  // Looks up until the newest record found has this sequence: a publish
  // confirmed by one node may reach the others' view a moment later.
  bool finds(DirectoryService& service, const std::string& user_id, std::uint64_t sequence) {
    const auto until = Steady::now() + kChangeDeadline;
    while (Steady::now() < until) {
      const auto result = lookup(service, user_id);
      if (result.found.size() == 1 && result.found[0].presence.sequence == sequence) return true;
    }
    return false;
  }

  SigningKey login_server_ = SigningKey::generate();
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::vector<std::unique_ptr<plugin::DirectoryNode>> raw_nodes_;
  std::vector<std::unique_ptr<DirectoryService>> services_;
};

TEST_F(DirectoryServiceTest, PublishedRecordIsFoundExactlyAndByPrefix) {
  start_network();
  const auto alice = user("alice.liddell");
  const auto record = signed_record(alice, 1, directory::Status::online);
  ASSERT_EQ(publish(*services_[0], alice, record), "");
  ASSERT_TRUE(finds(*services_[1], alice.id, 1));

  const auto exact = lookup(*services_[1], alice.id);
  ASSERT_EQ(exact.found.size(), 1u);
  EXPECT_EQ(exact.found[0].record, record) << "the signed bytes pass on unchanged";
  EXPECT_EQ(exact.found[0].presence.display_name, "Test alice.liddell");

  LookupResult by_prefix;
  ASSERT_TRUE(run_until(
      [&] {
        by_prefix = lookup_prefix(*services_[2], "alice");
        return by_prefix.found.size() == 1;
      },
      kChangeDeadline))
      << by_prefix.error;
  EXPECT_EQ(by_prefix.found[0].presence.user_id, alice.id);

  EXPECT_TRUE(lookup(*services_[2], "nobody.here").found.empty());
  const auto stats = services_[0]->stats();
  EXPECT_EQ(stats.published, 1u);
  EXPECT_EQ(stats.records_rejected, 0u);
}

TEST_F(DirectoryServiceTest, NewerRecordReplacesTheOlder) {
  start_network();
  const auto bob = user("bob");
  ASSERT_EQ(publish(*services_[0], bob, signed_record(bob, 1, directory::Status::online)), "");
  ASSERT_EQ(publish(*services_[1], bob, signed_record(bob, 2, directory::Status::busy)), "");
  ASSERT_TRUE(finds(*services_[2], bob.id, 2));
  EXPECT_EQ(lookup(*services_[2], bob.id).found[0].presence.status, directory::Status::busy);
}

TEST_F(DirectoryServiceTest, PublishRefusesWhatReadersWouldDrop) {
  start_network(1);
  const auto alice = user("alice");
  const auto bob = user("bob");
  EXPECT_NE(publish(*services_[0], alice, {1, 2, 3}).find("refusing to publish"),
            std::string::npos);
  EXPECT_NE(publish(*services_[0], bob, signed_record(alice, 1, directory::Status::online))
                .find("another user"),
            std::string::npos);
  EXPECT_NE(publish(*services_[0], alice, signed_record(alice, 1, directory::Status::online), 0),
            "");
  EXPECT_EQ(services_[0]->stats().published, 0u);
}

TEST_F(DirectoryServiceTest, ListenSeesChangesOfflineAndExpiry) {
  start_network();
  const auto carol = user("carol");
  std::vector<std::optional<VerifiedPresence>> seen;
  auto subscription = services_[2]->listen(
      carol.id, [&](const std::string& user_id, const std::optional<VerifiedPresence>& now) {
        EXPECT_EQ(user_id, "carol");
        seen.push_back(now);
      });
  ASSERT_TRUE(subscription);
  EXPECT_EQ(services_[2]->stats().subscriptions, 1u);
  const auto saw = [&](std::uint64_t sequence, directory::Status status) {
    return [&seen, sequence, status] {
      return std::any_of(seen.begin(), seen.end(), [&](const auto& now) {
        return now && now->presence.sequence == sequence && now->presence.status == status;
      });
    };
  };

  ASSERT_EQ(publish(*services_[0], carol, signed_record(carol, 1, directory::Status::online)), "");
  EXPECT_TRUE(run_until(saw(1, directory::Status::online), kChangeDeadline));
  ASSERT_EQ(publish(*services_[1], carol, signed_record(carol, 2, directory::Status::away)), "");
  EXPECT_TRUE(run_until(saw(2, directory::Status::away), kChangeDeadline));

  // A clean exit leaves an offline record, delivered as it is (the reader
  // decides). An older version coming back is not news.
  ASSERT_EQ(publish(*services_[0], carol, signed_record(carol, 3, directory::Status::offline)), "");
  EXPECT_TRUE(run_until(saw(3, directory::Status::offline), kChangeDeadline));
  const auto before_replay = seen.size();
  ASSERT_EQ(publish(*services_[1], carol, signed_record(carol, 1, directory::Status::online)), "");
  ASSERT_EQ(publish(*services_[0], carol, signed_record(carol, 4, directory::Status::online)), "");
  EXPECT_TRUE(run_until(saw(4, directory::Status::online), kChangeDeadline));
  EXPECT_TRUE(std::none_of(seen.begin() + static_cast<std::ptrdiff_t>(before_replay), seen.end(),
                           [](const auto& now) { return now && now->presence.sequence == 1; }))
      << "the replayed older record was delivered";
  const auto newest = lookup(*services_[1], carol.id);
  ASSERT_EQ(newest.found.size(), 1u);
  EXPECT_EQ(newest.found[0].presence.sequence, 4u);
  EXPECT_GE(services_[2]->stats().notices, 3u);
  subscription = {};
  EXPECT_EQ(services_[2]->stats().subscriptions, 0u);
}

TEST_F(DirectoryServiceTest, ListenHearsAVanishedUsersRecordExpire) {
  start_network();
  const auto heidi = user("heidi");
  std::vector<std::optional<VerifiedPresence>> seen;
  const auto subscription = services_[1]->listen(
      heidi.id,
      [&](const std::string&, const std::optional<VerifiedPresence>& now) { seen.push_back(now); });
  // Published with a 2 s TTL, as a client that then vanished; newer versions
  // while the listener has heard none, as the 2 s may pass before its listen
  // is in place; then never again.
  std::uint64_t sequence = 1;
  const auto publish_heidi = [&] {
    return publish(*services_[0], heidi, signed_record(heidi, sequence, directory::Status::online),
                   2);
  };
  ASSERT_EQ(publish_heidi(), "");
  ASSERT_TRUE(republish_until(
      [&] {
        ++sequence;
        return publish_heidi();
      },
      [&] { return !seen.empty(); }));
  EXPECT_TRUE(seen.front());
  EXPECT_TRUE(run_until([&] { return seen.size() >= 2 && !seen.back(); }, kChangeDeadline))
      << "the expiry did not arrive";
}

TEST_F(DirectoryServiceTest, ForgedRecordsAreDroppedByLookupAndListen) {
  start_network();
  auto& rogue = start_raw_node();
  const auto dave = user("dave");
  const auto mallory = user("mallory");
  std::vector<std::optional<VerifiedPresence>> seen;
  const auto subscription = services_[2]->listen(
      dave.id,
      [&](const std::string&, const std::optional<VerifiedPresence>& now) { seen.push_back(now); });
  ASSERT_TRUE(subscription);

  // Mallory's own valid record, filed under dave's id by a rogue node; then
  // (superseding it) dave's record with one signature bit flipped. Readers
  // see one or both.
  rogue.publish(dave.id, signed_record(mallory, 9, directory::Status::online), 600s);
  auto altered = signed_record(dave, 9, directory::Status::online);
  altered[altered.size() - 5] ^= 0x01;
  rogue.publish(dave.id, altered, 600s);

  ASSERT_TRUE(run_until(
      [&] {
        const auto result = lookup(*services_[1], dave.id);
        EXPECT_TRUE(result.found.empty()) << "a forged record came out of the service";
        return services_[1]->stats().records_rejected >= 1;
      },
      kChangeDeadline))
      << "the forged records never reached the service";
  EXPECT_TRUE(
      run_until([&] { return services_[2]->stats().records_rejected >= 1; }, kChangeDeadline))
      << "the listener never saw the forged records";

  // A prefix search drops them too, and still finds the genuine one.
  const auto davina = user("davina");
  ASSERT_EQ(publish(*services_[0], davina, signed_record(davina, 1, directory::Status::online)),
            "");
  const auto rejected_before = services_[0]->stats().records_rejected;
  LookupResult by_prefix;
  ASSERT_TRUE(run_until(
      [&] {
        by_prefix = lookup_prefix(*services_[0], "dav");
        return by_prefix.found.size() == 1 &&
               services_[0]->stats().records_rejected > rejected_before;
      },
      kChangeDeadline));
  EXPECT_EQ(by_prefix.found[0].presence.user_id, "davina");

  // Dave's genuine record is delivered; nothing forged ever was.
  ASSERT_EQ(publish(*services_[0], dave, signed_record(dave, 10, directory::Status::online)), "");
  EXPECT_TRUE(run_until(
      [&] {
        return std::any_of(seen.begin(), seen.end(),
                           [](const auto& now) { return now && now->presence.sequence == 10; });
      },
      kChangeDeadline));
  for (const auto& now : seen) {
    if (!now) continue;
    EXPECT_EQ(now->presence.user_id, "dave");
    EXPECT_EQ(now->presence.sequence, 10u);
  }
}

TEST_F(DirectoryServiceTest, FullQueueAnswersBusy) {
  // A lone node answers a lookup at once, so the worker could drain the queue
  // between two calls below. Bootstrapped from a peer that never answers, each
  // lookup runs to its timeout: the first holds the worker for that long.
  boost::asio::ip::udp::socket silent_peer(
      io_, boost::asio::ip::udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  auto options = options_for({"127.0.0.1:" + std::to_string(silent_peer.local_endpoint().port())});
  options.max_queued = 1;
  auto& service = start_service(std::move(options));
  constexpr int kLookups = 6;
  constexpr auto kHeld = 1s;
  int answered = 0;
  int busy = 0;
  const auto started = Steady::now();
  std::optional<Steady::duration> first_done;  // the first lookup that ran
  for (int i = 0; i < kLookups; ++i) {
    service.lookup("frank", kHeld, [&](std::vector<VerifiedPresence>, const std::string& error) {
      ++answered;
      if (error == "busy") {
        ++busy;
      } else if (!first_done) {
        first_done = Steady::now() - started;  // its deadline passed: an error, not busy
      }
    });
  }
  ASSERT_TRUE(run_until([&] { return answered == kLookups; }, kChangeDeadline));
  // One job running and one queued at most: the rest are refused at once.
  // Whether the second waits depends on the worker having taken the first.
  EXPECT_GE(busy, kLookups - 2);
  EXPECT_LE(busy, kLookups - 1);
  EXPECT_EQ(service.stats().refused_busy, static_cast<std::uint64_t>(busy));
  ASSERT_TRUE(first_done.has_value());
  EXPECT_GE(*first_done, kHeld - 100ms) << "the lookup did not wait for its silent peer";
}

TEST_F(DirectoryServiceTest, CancelledSubscriptionHearsNothingMore) {
  start_network(2);
  const auto erin = user("erin");
  ASSERT_EQ(publish(*services_[0], erin, signed_record(erin, 1, directory::Status::online)), "");
  ASSERT_TRUE(finds(*services_[1], erin.id, 1));

  // Two listeners on one key get the same notice at nearly the same time;
  // the first to run cancels the other, whose notice may already be posted.
  int calls = 0;
  DirectoryService::Subscription first;
  DirectoryService::Subscription second;
  auto cancel_the_other = [&](const std::string&, const std::optional<VerifiedPresence>&) {
    ++calls;
    first = {};
    second = {};
  };
  first = services_[1]->listen(erin.id, cancel_the_other);
  second = services_[1]->listen(erin.id, cancel_the_other);
  // The record already there, or a newer version.
  std::uint64_t sequence = 1;
  ASSERT_TRUE(republish_until(
      [&] {
        return publish(*services_[0], erin,
                       signed_record(erin, ++sequence, directory::Status::online));
      },
      [&] { return calls > 0; }));
  ASSERT_EQ(publish(*services_[0], erin, signed_record(erin, ++sequence, directory::Status::away)),
            "");
  ASSERT_TRUE(finds(*services_[1], erin.id, sequence));
  EXPECT_EQ(calls, 1);
}

TEST_F(DirectoryServiceTest, NoHandlerRunsAfterTheServiceIsGone) {
  start_network(1);
  const auto grace = user("grace");
  int calls = 0;
  auto subscription = services_[0]->listen(
      grace.id, [&](const std::string&, const std::optional<VerifiedPresence>&) { ++calls; });
  services_[0]->lookup(grace.id, 200ms,
                       [&](std::vector<VerifiedPresence>, const std::string&) { ++calls; });
  services_.clear();  // the io_context has not run: the lookup's answer may be queued
  io_.poll();
  EXPECT_EQ(calls, 0);
  subscription = {};  // after the service: harmless
}

}  // namespace
}  // namespace parley::overlay
