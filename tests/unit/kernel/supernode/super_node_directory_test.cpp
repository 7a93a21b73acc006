// Presence, search and subscriptions through two super nodes, each with its
// own directory node of the real OpenDHT plugin on 127.0.0.1 (bootstrapped
// from the other): what one user publishes on the first is found and pushed
// to a user on the second. Records are real signed presence records.

#include "directory/presence_record.hpp"
#include "free_port.hpp"
#include "net/byte_view.hpp"
#include "opendht_plugin.hpp"
#include "overlay/directory_service.hpp"
#include "super_node_fixture.hpp"

namespace parley::overlay {
namespace {

using namespace std::chrono_literals;

constexpr auto kDirectoryDeadline = 30s;

class SuperNodeDirectoryTest : public test::WithOpenDhtPlugin<testing_support::SuperNodeFixture> {
 protected:
  void SetUp() override {
    WithOpenDhtPlugin::SetUp();
    if (HasFatalFailure()) return;
    const auto first = start_directory({});
    start_directory({first});
    start_directory({first});  // a third node, as a small network has
    ASSERT_TRUE(run_until(
        [&] {
          return std::all_of(directories_.begin(), directories_.end(), [](const auto& service) {
            return service->stats().directory_peers >= 1;
          });
        },
        kDirectoryDeadline))
        << "the directory nodes did not reach each other";
  }

  std::string start_directory(std::vector<std::string> bootstrap) {
    DirectoryServiceOptions options;
    options.node.listen = "127.0.0.1:" + std::to_string(test::free_udp_port());
    options.node.bootstrap = std::move(bootstrap);
    options.login_server_key = login.public_key();
    directories_.push_back(std::make_unique<DirectoryService>(io, *plugin_, options));
    return options.node.listen;
  }

  std::string signed_record(const testing_support::User& user, const std::string& super_node,
                            std::uint64_t record_sequence, directory::Status status) {
    const auto now_s = identity::unix_seconds(identity::Clock::now());
    directory::Presence presence;
    presence.user_id = user.id;
    presence.certificate = certificate(user, login, now_s - 60, now_s + 3600);
    presence.super_node = super_node;
    presence.status = status;
    presence.issued_at_ms = directory::unix_ms(identity::Clock::now());
    presence.expires_at_ms = presence.issued_at_ms + 120'000;
    presence.sequence = record_sequence;
    const auto bytes = directory::sign_presence(presence, user.key);
    return {bytes.begin(), bytes.end()};
  }

  static OverlayMessage publish(const std::string& record) {
    OverlayMessage message;
    message.mutable_publish_presence()->set_record(record);
    return message;
  }

  static OverlayMessage search(std::uint64_t id, const std::string& query, bool prefix) {
    OverlayMessage message;
    message.mutable_search_request()->set_query_id(id);
    message.mutable_search_request()->set_query(query);
    message.mutable_search_request()->set_prefix(prefix);
    message.mutable_search_request()->set_timeout_ms(2000);
    return message;
  }

  // Searches until the record with this sequence shows (a publish confirmed
  // by one directory node reaches the other's view a moment later).
  std::optional<SearchResponse> search_until(testing_support::TestClient& client,
                                             const std::string& query, bool prefix,
                                             std::size_t records) {
    const auto until = std::chrono::steady_clock::now() + kDirectoryDeadline;
    while (std::chrono::steady_clock::now() < until) {
      client.send(search(++query_id_, query, prefix));
      const auto answer = next(client, OverlayMessage::kSearchResponse, 10s);
      if (!answer) return std::nullopt;
      if (static_cast<std::size_t>(answer->search_response().records_size()) >= records) {
        return answer->search_response();
      }
    }
    return std::nullopt;
  }

  std::vector<std::unique_ptr<DirectoryService>> directories_;
  std::uint64_t query_id_ = 0;
};

TEST_F(SuperNodeDirectoryTest, PublishesSearchesAndPushesPresence) {
  const auto first = start_node(true, directories_[0].get());
  const auto second = start_node(true, directories_[1].get());
  const auto publisher = attach(*first, alice);
  const auto searcher = attach(*second, bob);

  // Only the user's own record, naming this super node, and not too often.
  publisher->send(publish(signed_record(bob, first->self_address(), 1, directory::Status::online)));
  auto result = next(*publisher, OverlayMessage::kPublishResult);
  ASSERT_TRUE(result);
  EXPECT_NE(result->publish_result().error(), "");
  publisher->send(publish(signed_record(alice, "10.9.9.9:7460", 1, directory::Status::online)));
  result = next(*publisher, OverlayMessage::kPublishResult);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->publish_result().error(), "the record must name this super node");
  // A good record is published; another right after it is refused, the
  // second counting from the first's arrival, not from the directory's
  // confirmation (which may take a second or more). Sent back to back; the
  // refusal (sequence 0) may come back first.
  publisher->send(
      publish(signed_record(alice, first->self_address(), 1, directory::Status::online)));
  publisher->send(publish(signed_record(alice, first->self_address(), 2, directory::Status::away)));
  std::optional<PublishResult> accepted;
  std::optional<PublishResult> too_often;
  for (int i = 0; i < 2; ++i) {
    result = next(*publisher, OverlayMessage::kPublishResult, kDirectoryDeadline);
    ASSERT_TRUE(result);
    (result->publish_result().sequence() == 1 ? accepted : too_often) = result->publish_result();
  }
  ASSERT_TRUE(accepted && too_often);
  EXPECT_EQ(accepted->error(), "");
  EXPECT_EQ(too_often->error(), "too often");
  EXPECT_EQ(too_often->sequence(), 0U);

  // Found from the other super node, exactly and by prefix.
  const auto exact = search_until(*searcher, "alice", false, 1);
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->error(), "");
  const auto& record = exact->records(0);
  const auto check = directory::verify_presence(
      std::span(reinterpret_cast<const std::uint8_t*>(record.data()), record.size()),
      login.public_key(), identity::Clock::now(), "alice");
  ASSERT_TRUE(check.ok()) << check.error;
  EXPECT_EQ(check.presence->super_node, first->self_address());
  const auto prefix = search_until(*searcher, "ali", true, 1);
  ASSERT_TRUE(prefix);
  searcher->send(search(99, "a", true));
  const auto refused = next(*searcher, OverlayMessage::kSearchResponse);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->search_response().query_id(), 99U);
  EXPECT_NE(refused->search_response().error(), "");

  // Subscribed: the record already there comes first, then each change.
  OverlayMessage subscribe;
  subscribe.mutable_subscribe()->add_user_ids("alice");
  searcher->send(subscribe);
  ASSERT_TRUE(run_until([&] { return directories_[1]->stats().subscriptions == 1; }));
  const auto current = next(*searcher, OverlayMessage::kPresenceNotice, kDirectoryDeadline);
  ASSERT_TRUE(current) << "the record already stored was not pushed";
  const auto& current_bytes = current->presence_notice().record();
  const auto first_pushed = directory::verify_presence(
      net::byte_view(current_bytes), login.public_key(), identity::Clock::now(), "alice");
  ASSERT_TRUE(first_pushed.ok()) << first_pushed.error;
  EXPECT_EQ(first_pushed.presence->sequence, 1U);
  // Republished (once a second at most) until the change is pushed: a listen
  // takes a moment to reach the node that stores the record.
  std::uint64_t record_sequence = 2;
  bool pushed = false;
  ASSERT_TRUE(run_until(
      [&] {
        publisher->send(publish(signed_record(alice, first->self_address(), ++record_sequence,
                                              directory::Status::away)));
        const auto answer = next(*publisher, OverlayMessage::kPublishResult, kDirectoryDeadline);
        if (!answer || !answer->publish_result().error().empty()) return false;
        while (auto notice = next(*searcher, OverlayMessage::kPresenceNotice, 2s)) {
          const auto& bytes = notice->presence_notice().record();
          const auto now = directory::verify_presence(
              std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()),
              login.public_key(), identity::Clock::now(), "alice");
          if (now.ok() && now.presence->status == directory::Status::away) pushed = true;
        }
        return pushed;
      },
      kDirectoryDeadline))
      << "notices=" << directories_[1]->stats().notices;
}

// Subscribe is metered: once a second per session, applied as a difference;
// ids over the directory's cap are refused and counted. (More than 200 ids
// in one Subscribe is already a protocol error.)
TEST_F(SuperNodeDirectoryTest, SubscribeIsMeteredAndShared) {
  DirectoryServiceOptions options;
  options.node.listen = "127.0.0.1:" + std::to_string(test::free_udp_port());
  options.node.bootstrap = {directories_[0]->listen_address()};
  options.login_server_key = login.public_key();
  options.max_subscriptions = 150;
  DirectoryService small(io, *plugin_, options);
  const auto node = start_node(true, &small);
  const auto client = attach(*node, alice);
  OverlayMessage many;
  for (int i = 0; i < 200; ++i) many.mutable_subscribe()->add_user_ids("buddy" + std::to_string(i));
  client->send(many);
  ASSERT_TRUE(run_until([&] { return node->stats().subscriptions_refused == 50; }))
      << node->stats().subscriptions_refused;
  EXPECT_EQ(small.stats().subscriptions, 150U);
  OverlayMessage fewer;
  fewer.mutable_subscribe()->add_user_ids("buddy1");
  fewer.mutable_subscribe()->add_user_ids("buddy300");
  client->send(fewer);  // at once: ignored
  ASSERT_TRUE(run_until([&] { return node->stats().subscribes_limited == 1; }));
  EXPECT_EQ(small.stats().subscriptions, 150U);
  // Sent again until a second has passed: then applied as a difference.
  ASSERT_TRUE(run_until(
      [&] {
        if (small.stats().subscriptions == 2) return true;
        client->send(fewer);
        return false;
      },
      5s));
  EXPECT_EQ(node->stats().subscriptions_refused, 50U);
}

// Two super nodes whose directory nodes took ports of the system's choosing
// and know of no other: once one peers with the other, they form one
// directory network (the peer's Peer message names its bound directory port,
// and the node joins through it at the address the link comes from).
TEST_F(SuperNodeDirectoryTest, PeeringJoinsDirectoriesOnPortsTheSystemChose) {
  std::vector<std::unique_ptr<DirectoryService>> lone;
  for (int i = 0; i < 2; ++i) {
    DirectoryServiceOptions options;
    options.node.listen = "127.0.0.1:0";
    options.login_server_key = login.public_key();
    lone.push_back(std::make_unique<DirectoryService>(io, *plugin_, options));
    EXPECT_NE(lone.back()->listen_address(), "127.0.0.1:0") << "the bound port is reported";
  }
  const auto first = start_node(true, lone[0].get());
  const auto first_address = net::parse_host_port(first->self_address());
  ASSERT_TRUE(first_address);
  const auto second = start_node(
      true, lone[1].get(), [&](SuperNodeOptions& options) { options.peers = {*first_address}; });

  ASSERT_TRUE(run_until([&] { return lone[0]->stats().bootstraps == 1; }, kDirectoryDeadline))
      << "the first node never joined through the second's directory";
  EXPECT_TRUE(run_until(
      [&] {
        return lone[0]->stats().directory_peers >= 1 && lone[1]->stats().directory_peers >= 1;
      },
      kDirectoryDeadline))
      << "the two directory nodes did not reach each other";
}

TEST_F(SuperNodeDirectoryTest, AnonymousClientsNeitherPublishNorSearch) {
  const auto node = start_node(true, directories_[0].get());
  auto anonymous = connect(*node);
  OverlayMessage plain;
  plain.mutable_attach();
  anonymous->send(plain);
  ASSERT_TRUE(next(*anonymous, OverlayMessage::kAttachOk));
  anonymous->send(publish("x"));
  const auto result = next(*anonymous, OverlayMessage::kPublishResult);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->publish_result().error(), "attach with a user first");
  anonymous->send(search(1, "alice", false));
  const auto answer = next(*anonymous, OverlayMessage::kSearchResponse);
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->search_response().error(), "attach with a user first");
}

}  // namespace
}  // namespace parley::overlay
