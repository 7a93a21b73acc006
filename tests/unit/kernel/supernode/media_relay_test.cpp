// MediaRelay over real UDP sockets on 127.0.0.1. Time is the test's own (the
// relay takes it as an argument), so timeouts are checked without waiting.
// Clients echo the relay's latch challenges as the real media session does;
// a spoofed source is simulated by handing the relay a datagram "from" a
// socket that did not send it.
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

  // Hands the relay one datagram as if it came from `as` (a spoofed source).
  void inject(const RelayToken& token, const std::string& payload, const udp::endpoint& as,
              RelayKind kind = RelayKind::data) {
    std::vector<std::uint8_t> datagram(kRelayHeaderBytes);
    write_relay_header(
        token, std::span<std::uint8_t, kRelayHeaderBytes>(datagram.data(), kRelayHeaderBytes),
        kind);
    datagram.insert(datagram.end(), payload.begin(), payload.end());
    relay->on_datagram(datagram, as, now);
  }

  // The first latch challenge in from's inbox (removed from it), after waiting for one.
  std::optional<RelayCookie> take_challenge(Endpoint& from) {
    std::optional<RelayCookie> cookie;
    run_until([&] {
      for (auto it = from.inbox.begin(); it != from.inbox.end(); ++it) {
        const std::span bytes(reinterpret_cast<const std::uint8_t*>(it->data()), it->size());
        const auto parsed = parse_relay_datagram(bytes);
        if (!parsed || parsed->kind != RelayKind::latch_challenge) continue;
        cookie.emplace();
        std::copy(parsed->payload.begin(), parsed->payload.end(), cookie->begin());
        from.inbox.erase(it);
        return true;
      }
      return false;
    });
    return cookie;
  }

  void respond(Endpoint& from, const RelayToken& token, const RelayCookie& cookie) {
    const auto datagram = make_latch_datagram(RelayKind::latch_response, token, cookie);
    const auto before = handled;
    from.socket.send_to(asio::buffer(datagram), relay_socket.local_endpoint());
    ASSERT_TRUE(run_until([&] { return handled > before; }));
  }

  // What a client does: speak, get challenged, echo the cookie. Latched after.
  void latch(Endpoint& from, const RelayToken& token) {
    const auto latched = relay->stats().latched;
    send(from, token, "hello");
    const auto cookie = take_challenge(from);
    ASSERT_TRUE(cookie);
    respond(from, token, *cookie);
    ASSERT_EQ(relay->stats().latched, latched + 1);
  }

  // call1, alice to bob, accepted, both sides latched (nullopt, with a
  // failure recorded, when any step did not work).
  std::optional<RelayTokens> latched_call() {
    auto tokens = relay->reserve("call1", "alice", "bob", now);
    if (!tokens) {
      ADD_FAILURE() << "no slot for call1";
      return std::nullopt;
    }
    relay->activate("call1", now);
    latch(caller, tokens->caller);
    latch(callee, tokens->callee);
    if (testing::Test::HasFatalFailure()) return std::nullopt;
    return tokens;
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
  send(caller, tokens->caller, "a0");  // not latched yet: challenged, not forwarded
  EXPECT_TRUE(take_challenge(caller));
  latch(caller, tokens->caller);
  latch(callee, tokens->callee);
  EXPECT_TRUE(caller.inbox.empty());
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
  const auto tokens = latched_call();
  ASSERT_TRUE(tokens);
  send(callee, tokens->callee, "b1");
  ASSERT_TRUE(run_until([&] { return caller.inbox.size() == 1; }));
  now += 1s;
  send(stranger, tokens->caller, "hijack");  // the caller spoke a second ago
  const auto cookie = take_challenge(stranger);
  ASSERT_TRUE(cookie);
  respond(stranger, tokens->caller, *cookie);  // a valid echo, but the owner still talks
  send(stranger, tokens->caller, "hijack");
  EXPECT_TRUE(callee.inbox.empty());
  send(callee, tokens->callee, "b2");
  ASSERT_TRUE(run_until([&] { return caller.inbox.size() == 2; }));
  now += 6s;  // the caller went quiet (its NAT mapping changed, say)
  latch(stranger, tokens->caller);
  send(stranger, tokens->caller, "moved");
  ASSERT_TRUE(run_until([&] { return callee.inbox.size() == 1; }));
  EXPECT_EQ(callee.inbox.front(), "moved");
}

TEST_F(MediaRelayTest, EachSlotIsMetered) {
  const auto tokens = latched_call();
  ASSERT_TRUE(tokens);
  const std::string packet(1000, 'x');
  // The burst (4 s of the rate, 96 kB) at one instant, then nothing more.
  for (int i = 0; i < 100; ++i) send(caller, tokens->caller, packet);
  EXPECT_EQ(relay->stats().relayed_bytes, 96'000U);
  ASSERT_TRUE(run_until([&] { return callee.inbox.size() == 96; }));
  now += 1s;  // 24 kB more allowed
  for (int i = 0; i < 30; ++i) send(caller, tokens->caller, packet);
  EXPECT_EQ(relay->stats().relayed_bytes, 120'000U);
}

// The default rate carries G.711 both ways for as long as a call lasts, past
// the burst: 2 x 50 packets a second of RTP header, 160 bytes and auth tag.
TEST_F(MediaRelayTest, TheDefaultRateCarriesG711BothWays) {
  const auto tokens = latched_call();
  ASSERT_TRUE(tokens);
  const auto before = relay->stats();
  const std::string packet(12 + 160 + 16, 'x');
  constexpr int kFrames = 60 * 50;  // one minute, well past the 4 s burst
  for (int frame = 0; frame < kFrames; ++frame) {
    now += 20ms;
    inject(tokens->caller, packet, caller.socket.local_endpoint());
    inject(tokens->callee, packet, callee.socket.local_endpoint());
  }
  EXPECT_EQ(relay->stats().relayed_packets - before.relayed_packets, 2U * kFrames);
  EXPECT_EQ(relay->stats().dropped, before.dropped);
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
  latch(caller, active->caller);
  latch(callee, active->callee);
  now += 29s;
  send(caller, active->caller, "keeps it alive");
  relay->expire(now);
  EXPECT_EQ(relay->stats().slots, 2U);
  now += 16s;  // the invite is 45 s old (a ring gives up after 30 s)
  relay->expire(now);
  EXPECT_EQ(relay->stats().slots, 1U);
  EXPECT_FALSE(relay->parties("pending"));
  now += 15s;  // the active slot 31 s quiet
  relay->expire(now);
  EXPECT_EQ(relay->stats().slots, 0U);
  const auto before = relay->stats().dropped;
  send(caller, active->caller, "late");
  EXPECT_EQ(relay->stats().dropped, before + 1);
}

// The reflector attack of the review: a user holding both tokens makes the
// relay send to a victim by spoofing the victim's address. The victim gets
// at most challenges (small, metered), never relayed traffic.
TEST_F(MediaRelayTest, ASpoofedSourceIsNeverLatched) {
  const auto tokens = relay->reserve("call1", "alice", "bob", now);
  ASSERT_TRUE(tokens);
  relay->activate("call1", now);
  Endpoint victim(io);
  const auto victim_address = victim.socket.local_endpoint();
  latch(caller, tokens->caller);
  for (int i = 0; i < 30; ++i) inject(tokens->callee, "spoofed", victim_address);
  // A response cannot be forged without the cookie, which went to the victim.
  inject(tokens->callee, std::string(kRelayCookieBytes, '\0'), victim_address,
         RelayKind::latch_response);
  for (int i = 0; i < 5; ++i) send(caller, tokens->caller, "flood");
  EXPECT_EQ(relay->stats().latched, 1U);
  EXPECT_EQ(relay->stats().relayed_packets, 0U);
  // 10 a second per slot at most, the caller's own one included.
  EXPECT_EQ(relay->stats().challenges, 10U);
  ASSERT_TRUE(run_until([&] { return victim.inbox.size() == 9; }));
  for (const auto& datagram : victim.inbox) {
    EXPECT_EQ(datagram.size(), kRelayHeaderBytes + kRelayCookieBytes);
  }
}

TEST_F(MediaRelayTest, ACookieIsBoundToItsAddressAndExpires) {
  const auto tokens = relay->reserve("call1", "alice", "bob", now);
  ASSERT_TRUE(tokens);
  relay->activate("call1", now);
  send(caller, tokens->caller, "a");
  const auto cookie = take_challenge(caller);
  ASSERT_TRUE(cookie);
  respond(stranger, tokens->caller, *cookie);  // the caller's cookie from elsewhere
  EXPECT_EQ(relay->stats().latched, 0U);
  now += 25s;  // two 10 s buckets later at least: stale
  respond(caller, tokens->caller, *cookie);
  EXPECT_EQ(relay->stats().latched, 0U);
  send(caller, tokens->caller, "a");
  const auto fresh = take_challenge(caller);
  ASSERT_TRUE(fresh);
  now += 9s;  // the next bucket, maybe: still good
  respond(caller, tokens->caller, *fresh);
  EXPECT_EQ(relay->stats().latched, 1U);
}

TEST_F(MediaRelayTest, TheSocketNeverBlocks) {
  EXPECT_TRUE(relay_socket.non_blocking());  // a full buffer drops instead of stalling the node
}

TEST_F(MediaRelayTest, NoSlotForACallToOneself) {
  EXPECT_FALSE(relay->reserve("c1", "alice", "alice", now));
  EXPECT_EQ(relay->stats().slots, 0U);
}

TEST_F(MediaRelayTest, PendingSlotsAreCappedPerUser) {
  MediaRelayLimits wide;
  wide.max_pending_per_user = 2;
  wide.max_slots_per_user = 4;
  relay.emplace(relay_socket, wide);
  EXPECT_TRUE(relay->reserve("c1", "alice", "bob", now));
  EXPECT_TRUE(relay->reserve("c2", "alice", "carol", now));
  EXPECT_FALSE(relay->reserve("c3", "alice", "dave", now));  // two unanswered already
  EXPECT_TRUE(relay->reserve("c4", "bob", "alice", now));
  relay->activate("c1", now);
  EXPECT_TRUE(relay->reserve("c3", "alice", "dave", now));  // c1 was answered
}

}  // namespace
}  // namespace parley::overlay
