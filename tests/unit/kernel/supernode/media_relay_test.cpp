// MediaRelay over real UDP sockets on 127.0.0.1. Time is the test's own (the
// relay takes it as an argument), so timeouts are checked without waiting.
#include "overlay/media_relay.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <deque>
#include <functional>
#include <string>

namespace parley::overlay {
namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using Clock = MediaRelay::Clock;
using namespace std::chrono_literals;

// One UDP socket on loopback that keeps what it receives.
struct Endpoint {
  explicit Endpoint(asio::io_context& io)
      : socket(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    receive();
  }
  void receive() {
    socket.async_receive_from(asio::buffer(buffer), source,
                              [this](const boost::system::error_code& error, std::size_t bytes) {
                                if (error) return;
                                inbox.emplace_back(reinterpret_cast<const char*>(buffer.data()),
                                                   bytes);
                                receive();
                              });
  }
  udp::socket socket;
  std::array<std::uint8_t, 2048> buffer{};
  udp::endpoint source;
  std::deque<std::string> inbox;
};

class MediaRelayTest : public testing::Test {
 protected:
  MediaRelayTest() : relay_socket(io, udp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    limits.max_slots = 3;
    limits.max_slots_per_user = 2;
    relay.emplace(relay_socket, limits);
    serve();
  }

  void serve() {
    relay_socket.async_receive_from(
        asio::buffer(buffer), source,
        [this](const boost::system::error_code& error, std::size_t bytes) {
          if (error) return;
          relay->on_datagram(std::span(buffer.data(), bytes), source, now);
          ++handled;
          serve();
        });
  }

  // Sends one relay datagram and waits until the relay has handled it.
  void send(Endpoint& from, const RelayToken& token, const std::string& payload) {
    std::vector<std::uint8_t> datagram(kRelayHeaderBytes);
    write_relay_header(
        token, std::span<std::uint8_t, kRelayHeaderBytes>(datagram.data(), kRelayHeaderBytes));
    datagram.insert(datagram.end(), payload.begin(), payload.end());
    const auto before = handled;
    from.socket.send_to(asio::buffer(datagram), relay_socket.local_endpoint());
    ASSERT_TRUE(run_until([&] { return handled > before; }));
  }

  bool run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 3s;
    while (!done() && std::chrono::steady_clock::now() < deadline) io.run_for(5ms);
    return done();
  }

  asio::io_context io;
  udp::socket relay_socket;
  MediaRelayLimits limits;
  std::optional<MediaRelay> relay;
  std::array<std::uint8_t, 2048> buffer{};
  udp::endpoint source;
  std::size_t handled = 0;
  Clock::time_point now = Clock::now();
  Endpoint caller{io};
  Endpoint callee{io};
  Endpoint stranger{io};
};

TEST_F(MediaRelayTest, RelaysNothingBeforeTheAccept) {
  const auto tokens = relay->reserve("call1", "alice", "bob", now);
  ASSERT_TRUE(tokens);
  send(callee, tokens->callee, "ringing media");
  send(caller, tokens->caller, "early media");
  send(callee, tokens->callee, "more");
  EXPECT_EQ(relay->stats().relayed_packets, 0U);
  EXPECT_EQ(relay->stats().dropped, 3U);
  EXPECT_TRUE(caller.inbox.empty());
}

TEST_F(MediaRelayTest, UnknownTokensAndMalformedHeadersAreDropped) {
  ASSERT_TRUE(relay->reserve("call1", "alice", "bob", now));
  relay->activate("call1", now);
  send(caller, RelayToken{}, "guess");
  std::vector<std::uint8_t> bad{0x50, 0x52, 9, 0};  // version 9, no token
  const auto before = handled;
  caller.socket.send_to(asio::buffer(bad), relay_socket.local_endpoint());
  ASSERT_TRUE(run_until([&] { return handled > before; }));
  EXPECT_EQ(relay->stats().dropped, 2U);
}

TEST_F(MediaRelayTest, LatchesEachSideAndForwardsThePayloadOnly) {
  const auto tokens = relay->reserve("call1", "alice", "bob", now);
  ASSERT_TRUE(tokens);
  relay->activate("call1", now);
  send(caller, tokens->caller, "a1");  // latches the caller; the callee is unknown yet
  send(callee, tokens->callee, "b1");
  ASSERT_TRUE(run_until([&] { return !caller.inbox.empty(); }));
  EXPECT_EQ(caller.inbox.front(), "b1");
  send(caller, tokens->caller, "a2");
  ASSERT_TRUE(run_until([&] { return !callee.inbox.empty(); }));
  EXPECT_EQ(callee.inbox.front(), "a2");
  EXPECT_EQ(relay->stats().relayed_packets, 2U);
  EXPECT_EQ(relay->stats().relayed_bytes, 4U);
}

TEST_F(MediaRelayTest, AnotherSourceTakesOverOnlyAfterSilence) {
  const auto tokens = relay->reserve("call1", "alice", "bob", now);
  ASSERT_TRUE(tokens);
  relay->activate("call1", now);
  send(caller, tokens->caller, "a1");
  send(callee, tokens->callee, "b1");
  ASSERT_TRUE(run_until([&] { return caller.inbox.size() == 1; }));
  now += 1s;
  send(stranger, tokens->caller, "hijack");  // the caller spoke a second ago
  EXPECT_TRUE(callee.inbox.empty());
  send(callee, tokens->callee, "b2");
  ASSERT_TRUE(run_until([&] { return caller.inbox.size() == 2; }));
  EXPECT_TRUE(stranger.inbox.empty());
  now += 6s;  // the caller went quiet (its NAT mapping changed, say)
  send(stranger, tokens->caller, "moved");
  ASSERT_TRUE(run_until([&] { return callee.inbox.size() == 1; }));
  EXPECT_EQ(callee.inbox.front(), "moved");
}

TEST_F(MediaRelayTest, EachSlotIsMetered) {
  const auto tokens = relay->reserve("call1", "alice", "bob", now);
  ASSERT_TRUE(tokens);
  relay->activate("call1", now);
  send(callee, tokens->callee, "b");
  const std::string packet(1000, 'x');
  for (int i = 0; i < 70; ++i) send(caller, tokens->caller, packet);  // 70 kB at one instant
  EXPECT_EQ(relay->stats().relayed_bytes, 64'000U);
  ASSERT_TRUE(run_until([&] { return callee.inbox.size() == 64; }));
  now += 1s;  // 16 kB more allowed
  for (int i = 0; i < 20; ++i) send(caller, tokens->caller, packet);
  EXPECT_EQ(relay->stats().relayed_bytes, 80'000U);
}

TEST_F(MediaRelayTest, SlotsAreCappedInAllAndPerUser) {
  EXPECT_TRUE(relay->reserve("c1", "alice", "bob", now));
  EXPECT_TRUE(relay->reserve("c2", "alice", "carol", now));
  EXPECT_FALSE(relay->reserve("c3", "alice", "dave", now));  // two per user here
  EXPECT_TRUE(relay->reserve("c1", "alice", "bob", now));    // a repeated invite: same slot
  EXPECT_FALSE(relay->reserve("c1", "mallory", "bob", now));
  EXPECT_TRUE(relay->reserve("c4", "bob", "alice", now));
  EXPECT_FALSE(relay->reserve("c5", "carol", "alice", now));  // three in all
  relay->release("c1");
  EXPECT_TRUE(relay->reserve("c3", "alice", "dave", now));
  EXPECT_EQ(relay->stats().slots, 3U);
}

TEST_F(MediaRelayTest, PendingAndIdleSlotsExpire) {
  const auto pending = relay->reserve("pending", "alice", "bob", now);
  const auto active = relay->reserve("active", "carol", "dave", now);
  ASSERT_TRUE(pending && active);
  relay->activate("active", now);
  send(caller, active->caller, "a");
  send(callee, active->callee, "b");
  now += 29s;
  send(caller, active->caller, "keeps it alive");
  relay->expire(now);
  EXPECT_EQ(relay->stats().slots, 2U);
  now += 31s;  // the invite is 60 s old; the active slot 31 s quiet
  relay->expire(now);
  EXPECT_EQ(relay->stats().slots, 0U);
  const auto before = relay->stats().dropped;
  send(caller, active->caller, "late");
  EXPECT_EQ(relay->stats().dropped, before + 1);
  EXPECT_FALSE(relay->parties("pending"));
}

}  // namespace
}  // namespace parley::overlay
