#include <gtest/gtest.h>

#include "overlay/client_presence.hpp"

namespace parley::overlay {
namespace {

using namespace std::chrono_literals;
using directory::Status;

const identity::Clock::time_point kT0{std::chrono::milliseconds(1'800'000'000'000)};

OwnPresence alice(std::chrono::milliseconds lifetime = 120s) {
  return OwnPresence("alice", "Alice", {1, 2, 3}, lifetime);
}

TEST(ClientNodeOwnPresence, RecordCarriesEveryField) {
  auto own = alice();
  identity::PublicKey key;
  key.bytes.fill(9);
  own.set_super_node("127.0.0.1:7460", key);
  own.set_media_addresses({"127.0.0.1:5000", "[::1]:5002"});
  own.set_status(Status::away);
  const auto p = own.next(kT0);
  EXPECT_EQ(p.user_id, "alice");
  EXPECT_EQ(p.display_name, "Alice");
  EXPECT_EQ(p.certificate, (std::vector<std::uint8_t>{1, 2, 3}));
  EXPECT_EQ(p.super_node, "127.0.0.1:7460");
  EXPECT_EQ(p.super_node_key, key);
  EXPECT_EQ(p.media_addresses, (std::vector<std::string>{"127.0.0.1:5000", "[::1]:5002"}));
  EXPECT_EQ(p.status, Status::away);
  EXPECT_EQ(p.issued_at_ms, 1'800'000'000'000);
  EXPECT_EQ(p.expires_at_ms, 1'800'000'120'000);
}

TEST(ClientNodeOwnPresence, SequenceGrowsEvenWithinOneMillisecondAndAcrossRestarts) {
  auto own = alice();
  const auto first = own.next(kT0).sequence;
  const auto second = own.next(kT0).sequence;      // same instant
  const auto third = own.next(kT0 - 5s).sequence;  // clock stepped back
  EXPECT_EQ(first, 1'800'000'000'000U);
  EXPECT_EQ(second, first + 1);
  EXPECT_EQ(third, second + 1);
  // A restart forgets the sequence; Unix milliseconds a moment later still exceed it.
  auto restarted = alice();
  EXPECT_GT(restarted.next(kT0 + 10ms).sequence, third);
}

TEST(ClientNodeOwnPresence, OverrideSaysOfflineWithoutChangingTheStatus) {
  auto own = alice();
  own.set_status(Status::busy);
  own.set_super_node("127.0.0.1:7460", std::nullopt);
  own.set_media_addresses({"127.0.0.1:5000"});
  const auto offline = own.next(kT0, Status::offline);
  EXPECT_EQ(offline.status, Status::offline);
  EXPECT_EQ(offline.super_node, "127.0.0.1:7460");
  EXPECT_TRUE(offline.media_addresses.empty());
  EXPECT_EQ(own.status(), Status::busy);
  EXPECT_EQ(own.next(kT0).status, Status::busy);
}

TEST(ClientNodeOwnPresence, LifetimeClampedAndRenewedAtHalf) {
  EXPECT_EQ(alice(120s).renew_interval(), 60s);
  EXPECT_EQ(alice(1ms).lifetime(), kMinPresenceLifetime);
  EXPECT_EQ(alice(std::chrono::hours(48)).lifetime(), directory::kMaxPresenceLifetime);
}

TEST(ClientNodeOwnPresence, MediaAddressesBounded) {
  auto own = alice();
  std::vector<std::string> many;
  for (int i = 0; i < 12; ++i) many.push_back("10.0.0.1:" + std::to_string(4000 + i));
  many.insert(many.begin(), "not an address");
  many.insert(many.begin(), std::string(70, 'a') + ".example:1");  // too long for a record
  EXPECT_EQ(own.set_media_addresses(many), 2U + 4U);
  EXPECT_EQ(own.media_addresses().size(), directory::kMaxMediaAddresses);
  EXPECT_EQ(own.media_addresses().front(), "10.0.0.1:4000");
}

TEST(ClientNodeOwnPresence, LongDisplayNameCutAtACharacterBoundary) {
  // 63 ASCII bytes then a 2-byte character: cutting at 64 would split it.
  const std::string name = std::string(63, 'x') + "\xC3\xA9" + "tail";
  OwnPresence own("alice", name, {}, 60s);
  const auto shown = own.next(kT0).display_name;
  EXPECT_EQ(shown, std::string(63, 'x'));
}

}  // namespace
}  // namespace parley::overlay
