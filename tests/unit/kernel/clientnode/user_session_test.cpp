// The user half of the client node, driven in process: the messages it sends
// are captured, the super node's answers are made here with real keys (a
// login server key issuing real certificates). What a forged, altered,
// misfiled or replayed record does to a reader is tested here; the real super
// node and directory are in tests/integration/presence.
#include "overlay/client_user_session.hpp"

#include <gtest/gtest.h>

#include "proto/presence.pb.h"
#include "run_until.hpp"

namespace parley::overlay {
namespace {

using namespace std::chrono_literals;
using directory::Status;
using identity::SigningKey;

std::string text(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

class ClientNodeUserSession : public testing::Test {
 protected:
  SigningKey server_ = SigningKey::generate();
  std::shared_ptr<SigningKey> alice_key_ = std::make_shared<SigningKey>(SigningKey::generate());
  SigningKey bob_key_ = SigningKey::generate();
  SigningKey mallory_key_ = SigningKey::generate();
  identity::PublicKey super_node_key_ = SigningKey::generate().public_key();

  boost::asio::io_context io_;
  std::vector<OverlayMessage> sent_;
  std::vector<std::string> events_;
  std::shared_ptr<UserSession> session_;

  void SetUp() override {
    UserCredentials alice;
    alice.user_id = "alice";
    alice.display_name = "Alice";
    alice.certificate = certificate("alice", *alice_key_);
    alice.identity_key = alice_key_;
    alice.login_server_key = server_.public_key();
    session_ = std::make_shared<UserSession>(
        io_, alice, 60s, [this](const std::string& line) { events_.push_back(line); });
  }

  std::vector<std::uint8_t> certificate(const std::string& user, const SigningKey& key) const {
    const auto now_s = identity::unix_seconds(identity::Clock::now());
    return identity::encode_certificate(
        identity::issue_certificate(server_, user, key.public_key(), now_s - 60, now_s + 3600, 1));
  }

  void attach() {
    session_->attached("127.0.0.1:7460", super_node_key_,
                       [this](const OverlayMessage& message) { sent_.push_back(message); });
  }

  directory::Presence bob(std::uint64_t sequence = 10) const {
    directory::Presence p;
    p.user_id = "bob";
    p.certificate = certificate("bob", bob_key_);
    p.super_node = "127.0.0.1:7461";
    p.status = Status::away;
    p.issued_at_ms = directory::unix_ms(identity::Clock::now());
    p.expires_at_ms = p.issued_at_ms + 60'000;
    p.sequence = sequence;
    return p;
  }

  std::string bob_record(std::uint64_t sequence = 10) const {
    return text(directory::sign_presence(bob(sequence), bob_key_));
  }

  // Mallory holds a valid certificate (for mallory) and signs a body that
  // claims to be bob's: sign_presence would refuse, so it is built by hand.
  std::string forged_bob_record() const {
    presence::PresenceBody body;
    body.set_user_id("bob");
    body.set_certificate(text(certificate("mallory", mallory_key_)));
    body.set_super_node("127.0.0.1:7462");
    body.set_status(presence::STATUS_ONLINE);
    const auto now_ms = static_cast<std::uint64_t>(directory::unix_ms(identity::Clock::now()));
    body.set_issued_at_ms(now_ms);
    body.set_expires_at_ms(now_ms + 60'000);
    body.set_sequence(99);
    const auto bytes = body.SerializeAsString();
    const auto signature = mallory_key_.sign(
        directory::kPresenceContext,
        std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
    presence::PresenceRecord record;
    record.set_body(bytes);
    record.set_signature(text(signature));
    return record.SerializeAsString();
  }

  void deliver(const OverlayMessage& message) { ASSERT_TRUE(session_->handle(message)); }

  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds deadline = 5s) {
    return test::run_until(io_, done, deadline);
  }

  std::vector<const OverlayMessage*> sent(OverlayMessage::BodyCase kind) const {
    std::vector<const OverlayMessage*> out;
    for (const auto& message : sent_) {
      if (message.body_case() == kind) out.push_back(&message);
    }
    return out;
  }

  directory::Presence published(std::size_t index) const {
    const auto publishes = sent(OverlayMessage::kPublishPresence);
    const auto& record = publishes.at(index)->publish_presence().record();
    auto check = directory::verify_presence(
        std::span(reinterpret_cast<const std::uint8_t*>(record.data()), record.size()),
        server_.public_key(), identity::Clock::now(), "alice");
    EXPECT_TRUE(check.ok()) << check.error;
    return check.presence.value_or(directory::Presence{});
  }
};

TEST_F(ClientNodeUserSession, AttachProofIsBoundToTheTlsSession) {
  Attach attach;
  net::ChannelBinding binding{};
  binding.fill(7);
  session_->fill_attach(attach, binding);
  EXPECT_FALSE(attach.certificate().empty());
  const auto proof = std::span(reinterpret_cast<const std::uint8_t*>(attach.proof().data()),
                               attach.proof().size());
  EXPECT_TRUE(
      identity::verify_signature(alice_key_->public_key(), kAttachProofContext, binding, proof));
  net::ChannelBinding other = binding;
  other[0] ^= 1;  // another TLS session
  EXPECT_FALSE(
      identity::verify_signature(alice_key_->public_key(), kAttachProofContext, other, proof));
}

TEST_F(ClientNodeUserSession, AnAnonymousOrForeignAttachIsNoUse) {
  AttachOk ok;
  ok.set_user_id("alice");
  EXPECT_TRUE(session_->attach_problem(ok).empty());
  ok.set_user_id("");
  EXPECT_FALSE(session_->attach_problem(ok).empty());
  ok.set_user_id("bob");
  EXPECT_FALSE(session_->attach_problem(ok).empty());
}

TEST_F(ClientNodeUserSession, PublishesASignedRecordNamingItsSuperNode) {
  session_->set_media_addresses({"127.0.0.1:5000"});  // before attach: nothing sent
  EXPECT_TRUE(sent_.empty());
  attach();
  ASSERT_EQ(sent(OverlayMessage::kPublishPresence).size(), 1U);
  const auto p = published(0);
  EXPECT_EQ(p.super_node, "127.0.0.1:7460");
  EXPECT_EQ(p.super_node_key, super_node_key_);
  EXPECT_EQ(p.media_addresses, std::vector<std::string>{"127.0.0.1:5000"});
  EXPECT_EQ(p.status, Status::online);
  EXPECT_EQ(p.expires_at_ms - p.issued_at_ms, 60'000);
}

TEST_F(ClientNodeUserSession, ChangesCloseTogetherGoOutAsOneSpacedRecord) {
  // The first record goes out in attach(), no earlier than this: the spacing
  // counts from there.
  const auto before_first = std::chrono::steady_clock::now();
  attach();
  session_->set_status(Status::away);
  session_->set_status(Status::busy);
  EXPECT_EQ(sent(OverlayMessage::kPublishPresence).size(), 1U);  // the spacing holds them
  ASSERT_TRUE(run_until([&] { return sent(OverlayMessage::kPublishPresence).size() == 2; }));
  EXPECT_GE(std::chrono::steady_clock::now() - before_first, kMinPublishSpacing);
  EXPECT_EQ(published(1).status, Status::busy);
  EXPECT_GT(published(1).sequence, published(0).sequence);
}

TEST_F(ClientNodeUserSession, ARenewedCertificateIsRepublishedAndUsedAtTheNextAttach) {
  attach();
  ASSERT_EQ(sent(OverlayMessage::kPublishPresence).size(), 1U);
  const auto now_s = identity::unix_seconds(identity::Clock::now());
  const auto renewed = identity::encode_certificate(identity::issue_certificate(
      server_, "alice", alice_key_->public_key(), now_s, now_s + 7200, 2));
  ASSERT_NE(renewed, published(0).certificate);
  session_->set_certificate(renewed);
  // At once, as soon as the super node's spacing allows.
  ASSERT_TRUE(run_until([&] { return sent(OverlayMessage::kPublishPresence).size() == 2; }));
  EXPECT_EQ(published(1).certificate, renewed);
  Attach again;
  session_->fill_attach(again, net::ChannelBinding{});
  EXPECT_EQ(again.certificate(), text(renewed));
}

TEST_F(ClientNodeUserSession, PublishResultsReachTheHandlerIncludingUnnamedRefusals) {
  std::vector<std::string> results;
  session_->on_published([&](const std::string& error) { results.push_back(error); });
  attach();
  OverlayMessage answer;
  answer.mutable_publish_result()->set_sequence(published(0).sequence);
  deliver(answer);
  answer.mutable_publish_result()->set_sequence(12345);  // not ours: ignored
  deliver(answer);
  ASSERT_EQ(results, std::vector<std::string>{""});
  session_->set_status(Status::away);
  ASSERT_TRUE(run_until([&] { return sent(OverlayMessage::kPublishPresence).size() == 2; }));
  answer.mutable_publish_result()->set_sequence(0);
  answer.mutable_publish_result()->set_error("too often");
  deliver(answer);
  ASSERT_EQ(results.size(), 2U);
  EXPECT_EQ(results[1], "too often");
}

TEST_F(ClientNodeUserSession, ASuperNodeThatCannotPublishIsGivenUp) {
  std::string unusable;
  session_->on_link_unusable([&](const std::string& why) { unusable = why; });
  attach();
  OverlayMessage failure;
  failure.mutable_publish_result()->set_error("directory opendht: publish failed: I/O error");
  for (unsigned i = 1; i <= kMaxPublishFailures; ++i) {
    const auto publishes = sent(OverlayMessage::kPublishPresence);
    ASSERT_EQ(publishes.size(), i);
    failure.mutable_publish_result()->set_sequence(published(i - 1).sequence);
    deliver(failure);
    if (i < kMaxPublishFailures) {
      EXPECT_TRUE(unusable.empty());
      ASSERT_TRUE(
          run_until([&] { return sent(OverlayMessage::kPublishPresence).size() == i + 1; }));
    }
  }
  EXPECT_NE(unusable.find("failed to publish our presence 3 times"), std::string::npos) << unusable;
}

TEST_F(ClientNodeUserSession, SearchKeepsOnlyGenuineRecordsThatAnswerTheQuery) {
  attach();
  std::optional<std::vector<FoundUser>> found;
  std::string error = "not called";
  session_->search("bob", false, 1s, [&](std::vector<FoundUser> users, const std::string& e) {
    found = std::move(users);
    error = e;
  });
  const auto requests = sent(OverlayMessage::kSearchRequest);
  ASSERT_EQ(requests.size(), 1U);
  const auto& request = requests[0]->search_request();
  EXPECT_EQ(request.query(), "bob");
  EXPECT_FALSE(request.prefix());

  OverlayMessage answer;
  answer.mutable_search_response()->set_query_id(request.query_id());
  auto altered = bob_record(11);
  altered[altered.size() / 2] = static_cast<char>(altered[altered.size() / 2] ^ 0x20);
  const auto alice_own = sent(OverlayMessage::kPublishPresence)[0]->publish_presence().record();
  for (const auto& record : {bob_record(10), altered, forged_bob_record(), alice_own,
                             std::string("garbage"), bob_record(9)}) {
    answer.mutable_search_response()->add_records(record);
  }
  deliver(answer);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(error, "");
  ASSERT_EQ(found->size(), 1U);
  EXPECT_EQ(found->front().presence.user_id, "bob");
  EXPECT_EQ(found->front().presence.sequence, 10U);  // the newest genuine one
  const auto& kept = found->front().record;
  EXPECT_EQ(text(kept), answer.search_response().records(0));  // passed on unchanged
  ASSERT_FALSE(events_.empty());
  EXPECT_NE(events_.back().find("dropped 4 records of the search for bob"), std::string::npos)
      << events_.back();
  deliver(answer);  // the same answer again: the search is over, nothing happens
}

TEST_F(ClientNodeUserSession, PrefixSearchDropsRecordsOutsideThePrefix) {
  attach();
  std::vector<FoundUser> found;
  bool called = false;
  session_->search("bo", true, 1s, [&](std::vector<FoundUser>, const std::string& e) {
    called = true;
    EXPECT_FALSE(e.empty());  // too short for the directory
  });
  ASSERT_TRUE(run_until([&] { return called; }));
  EXPECT_TRUE(sent(OverlayMessage::kSearchRequest).empty());
  called = false;
  session_->search("bob", true, 1s, [&](std::vector<FoundUser> users, const std::string&) {
    called = true;
    found = std::move(users);
  });
  OverlayMessage answer;
  answer.mutable_search_response()->set_query_id(
      sent(OverlayMessage::kSearchRequest)[0]->search_request().query_id());
  answer.mutable_search_response()->add_records(bob_record());
  answer.mutable_search_response()->add_records(
      sent(OverlayMessage::kPublishPresence)[0]->publish_presence().record());  // alice
  deliver(answer);
  ASSERT_TRUE(called);
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].presence.user_id, "bob");
}

TEST_F(ClientNodeUserSession, SearchErrorsArePostedNeverReentrant) {
  bool called = false;
  std::string error;
  session_->search("bob", false, 1s, [&](std::vector<FoundUser>, const std::string& e) {
    called = true;
    error = e;
  });
  EXPECT_FALSE(called);  // not from inside search()
  ASSERT_TRUE(run_until([&] { return called; }));
  EXPECT_EQ(error, "not attached to a super node");
}

TEST_F(ClientNodeUserSession, SearchesInFlightFailWhenTheLinkIsLost) {
  attach();
  std::string error;
  session_->search("bob", false, 1s,
                   [&](std::vector<FoundUser>, const std::string& e) { error = e; });
  session_->detached("connection reset");
  EXPECT_EQ(error, "lost the super node: connection reset");
  EXPECT_FALSE(session_->send_call_route(CallRoute{}));
}

TEST_F(ClientNodeUserSession, UnansweredSearchTimesOut) {
  attach();
  std::string error;
  const auto started = std::chrono::steady_clock::now();
  session_->search("bob", false, 100ms,
                   [&](std::vector<FoundUser>, const std::string& e) { error = e; });
  ASSERT_TRUE(run_until([&] { return !error.empty(); }));
  EXPECT_NE(error.find("no answer from the super node"), std::string::npos) << error;
  EXPECT_GE(std::chrono::steady_clock::now() - started, 100ms + kSearchAnswerGrace);
}

TEST_F(ClientNodeUserSession, BuddyNoticesVerifiedOnceAndInOrder) {
  std::vector<std::string> heard;
  session_->on_presence([&](const std::string& user, const std::optional<FoundUser>& found) {
    heard.push_back(user + ":" +
                    (found ? std::string(directory::status_name(found->presence.status)) : "gone"));
  });
  attach();
  session_->subscribe({"bob", "bob", "alice", "Not Valid"});
  const auto subscribes = sent(OverlayMessage::kSubscribe);
  ASSERT_EQ(subscribes.size(), 1U);
  ASSERT_EQ(subscribes[0]->subscribe().user_ids_size(), 1);  // no repeats, not self, valid ids
  EXPECT_EQ(subscribes[0]->subscribe().user_ids(0), "bob");

  OverlayMessage notice;
  notice.mutable_presence_notice()->set_user_id("bob");
  notice.mutable_presence_notice()->set_record(bob_record(10));
  deliver(notice);
  deliver(notice);  // the same record after a failover: no change
  notice.mutable_presence_notice()->set_record(bob_record(9));
  deliver(notice);  // older: a replay
  notice.mutable_presence_notice()->set_record(forged_bob_record());
  deliver(notice);  // mallory's: dropped
  notice.mutable_presence_notice()->set_user_id("carol");
  notice.mutable_presence_notice()->set_record(bob_record(12));
  deliver(notice);  // not a buddy
  notice.mutable_presence_notice()->set_user_id("bob");
  notice.mutable_presence_notice()->set_record("");
  deliver(notice);  // expired
  EXPECT_EQ(heard, (std::vector<std::string>{"bob:away", "bob:gone"}));

  session_->detached("gone");
  attach();  // every (re)attach subscribes again
  EXPECT_EQ(sent(OverlayMessage::kSubscribe).size(), 2U);
}

TEST_F(ClientNodeUserSession, GoingOfflineWaitsForTheSuperNodeThenFinishes) {
  attach();
  bool done = false;
  session_->go_offline([&] { done = true; });
  ASSERT_TRUE(run_until([&] { return sent(OverlayMessage::kPublishPresence).size() == 2; }));
  const auto offline = published(1);
  EXPECT_EQ(offline.status, Status::offline);
  EXPECT_FALSE(done);
  OverlayMessage answer;
  answer.mutable_publish_result()->set_sequence(offline.sequence);
  deliver(answer);
  EXPECT_TRUE(done);
  session_->set_status(Status::away);  // after going offline nothing more is published
  EXPECT_FALSE(run_until([&] { return sent(OverlayMessage::kPublishPresence).size() > 2; },
                         kMinPublishSpacing + 200ms));
}

TEST_F(ClientNodeUserSession, GoingOfflineWithoutALinkFinishesAtOnce) {
  bool done = false;
  session_->go_offline([&] { done = true; });
  EXPECT_FALSE(done);
  ASSERT_TRUE(run_until([&] { return done; }));
  EXPECT_TRUE(sent_.empty());
}

TEST_F(ClientNodeUserSession, CallSignalingBothWays) {
  std::vector<std::string> got;
  session_->on_call_route(
      [&](const CallRoute& route) { got.push_back("route " + route.call_id()); });
  session_->on_call_route_failed(
      [&](const CallRouteFailed& failed) { got.push_back("failed " + failed.reason()); });
  session_->on_relay_offer(
      [&](const RelayOffer& offer) { got.push_back("relay " + offer.call_id()); });
  CallRoute route;
  route.set_call_id("c1");
  EXPECT_FALSE(session_->send_call_route(route));  // not attached
  attach();
  EXPECT_TRUE(session_->send_call_route(route));
  ASSERT_EQ(sent(OverlayMessage::kCallRoute).size(), 1U);
  EXPECT_EQ(sent(OverlayMessage::kCallRoute)[0]->call_route().call_id(), "c1");
  OverlayMessage in;
  *in.mutable_call_route() = route;
  deliver(in);
  in.mutable_call_route_failed()->set_reason("not attached here");
  deliver(in);
  in.mutable_relay_offer()->set_call_id("c2");
  deliver(in);
  EXPECT_EQ(got, (std::vector<std::string>{"route c1", "failed not attached here", "relay c2"}));
  OverlayMessage other;
  other.mutable_keep_alive_ack();
  EXPECT_FALSE(session_->handle(other));  // the link's own business
}

}  // namespace
}  // namespace parley::overlay
