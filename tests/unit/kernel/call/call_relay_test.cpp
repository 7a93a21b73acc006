// The relayed path, against a tiny UDP forwarder standing in for a super
// node's relay (unit tests only; the real one is docs/overlay.md's): it
// answers STUN, latches each side's address only once that address echoed
// a cookie (overlay/relay_header.hpp), strips the relay header and forwards
// between latched sides. It also logs what each side sent and when, which is
// how the test sees that nothing leaves after the BYE.
#include <gtest/gtest.h>

#include <boost/asio/ip/udp.hpp>

#include <random>

#include "call/call_engine.hpp"
#include "call/local_candidates.hpp"
#include "call/media_session.hpp"
#include "call_test_world.hpp"
#include "overlay/relay_header.hpp"
#include "overlay/stun_binding.hpp"
#include "temp_dir.hpp"
#include "wav_io.hpp"

namespace parley::call_test {
namespace {

using boost::asio::ip::udp;
using call::CallState;

class RelayDouble {
 public:
  struct Sent {
    std::chrono::steady_clock::time_point at;
    std::uint8_t second_byte = 0;  // RTP marker|PT, or the RTCP packet type (clear in SRTCP)
    bool rtcp = false;
  };

  explicit RelayDouble(boost::asio::io_context& io)
      : socket_(io, udp::endpoint(boost::asio::ip::address_v4::loopback(), 0)), buffer_(2048) {
    receive();
  }
  [[nodiscard]] udp::endpoint endpoint() const { return socket_.local_endpoint(); }
  [[nodiscard]] std::string host_port() const {
    return "127.0.0.1:" + std::to_string(endpoint().port());
  }
  std::map<std::string, std::vector<Sent>> log;  // by token: data forwarded from a latched side
  std::uint64_t stun_answered = 0;
  std::uint64_t challenges_sent = 0;
  std::uint64_t latched = 0;  // responses that echoed the right cookie
  bool forwarding = true;     // false: the relay's super node is gone

 private:
  void receive() {
    socket_.async_receive_from(boost::asio::buffer(buffer_), from_,
                               [this](const boost::system::error_code& error, std::size_t size) {
                                 if (error) return;
                                 handle(std::span(buffer_.data(), size));
                                 receive();
                               });
  }
  void handle(std::span<const std::uint8_t> datagram) {
    if (auto answer = overlay::answer_binding(datagram, from_)) {
      ++stun_answered;
      socket_.send_to(boost::asio::buffer(*answer), from_);
      return;
    }
    const auto relayed = overlay::parse_relay_datagram(datagram);
    if (!relayed || !forwarding) return;
    const std::string token(relayed->token.begin(), relayed->token.end());
    if (relayed->kind == overlay::RelayKind::latch_response) {
      const auto issued = cookies_.find({token, from_});
      if (issued != cookies_.end() &&
          std::equal(relayed->payload.begin(), relayed->payload.end(), issued->second.begin())) {
        sides_[token] = from_;
        ++latched;
      }
      return;
    }
    if (relayed->kind != overlay::RelayKind::data) return;
    const auto side = sides_.find(token);
    if (side == sides_.end() || side->second != from_) {
      challenge(relayed->token);  // never forwarded from an address that has not proved itself
      return;
    }
    const auto& payload = relayed->payload;
    log[token].push_back({std::chrono::steady_clock::now(),
                          payload.size() > 1 ? payload[1] : std::uint8_t{0},
                          payload.size() > 1 && payload[1] >= 200 && payload[1] <= 204});
    for (const auto& [other, address] : sides_) {
      if (other != token)
        socket_.send_to(boost::asio::buffer(payload.data(), payload.size()), address);
    }
  }
  void challenge(const overlay::RelayToken& token) {
    overlay::RelayCookie cookie{};
    for (auto& byte : cookie) byte = static_cast<std::uint8_t>(random_());
    cookies_[{std::string(token.begin(), token.end()), from_}] = cookie;
    const auto datagram =
        overlay::make_latch_datagram(overlay::RelayKind::latch_challenge, token, cookie);
    socket_.send_to(boost::asio::buffer(datagram), from_);
    ++challenges_sent;
  }

  udp::socket socket_;
  std::vector<std::uint8_t> buffer_;
  udp::endpoint from_;
  std::map<std::string, udp::endpoint> sides_;  // latched
  std::map<std::pair<std::string, udp::endpoint>, overlay::RelayCookie> cookies_;
  std::mt19937 random_{std::random_device{}()};
};

TEST(CallRelay, ForcedRelayCarriesTheCallAndNothingLeavesAfterTheBye) {
  boost::asio::io_context io;
  LoopbackSwitch network(io);
  World world;
  RelayDouble relay(io);
  const std::string caller_token(16, 'A');
  const std::string callee_token(16, 'B');
  network.relay_grant = LoopbackSwitch::RelayGrant{relay.host_port(), caller_token, callee_token};
  network.super_node_udp = relay.endpoint();

  test::TempDir dir("parley-relay");
  write_wav(dir / "alice.wav", test_signal(48000, 3.0, 330), 48000);
  auto alice_options = fast_options();
  alice_options.force_relay = true;
  alice_options.audio.play_wav = dir / "alice.wav";
  alice_options.audio.loop_play = true;
  auto bob_options = fast_options();
  bob_options.force_relay = true;
  bob_options.auto_answer = true;
  bob_options.audio.record_wav = dir / "bob-heard.wav";
  auto alice = make_party(io, network, world, "alice", alice_options);
  auto bob = make_party(io, network, world, "bob", bob_options);

  alice->engine->call("bob");
  ASSERT_TRUE(run_until(io,
                        [&] {
                          return alice->engine->state() == CallState::active &&
                                 bob->engine->state() == CallState::active;
                        }))
      << alice->log() << bob->log();
  // STUN from the media socket taught each engine its reflexive address.
  EXPECT_GE(relay.stun_answered, 2u);
  // Each side answered the relay's challenge: the relay latched both, nothing else.
  EXPECT_EQ(relay.latched, 2u);
  EXPECT_TRUE(alice->saw("relay latch challenge answered")) << alice->log();
  EXPECT_TRUE(bob->saw("relay latch challenge answered")) << bob->log();
  run_for(io, 1s);
  alice->engine->hang_up();
  ASSERT_TRUE(run_until(io, [&] { return !alice->ended.empty() && !bob->ended.empty(); }));
  run_for(io, 200ms);  // anything still leaving would reach the relay now

  const auto& a = alice->ended.front();
  EXPECT_EQ(a.path, "relayed");
  EXPECT_EQ(bob->ended.front().path, "relayed");
  EXPECT_EQ(a.remote_media, "127.0.0.1:" + std::to_string(relay.endpoint().port()));
  EXPECT_EQ(bob->ended.front().outcome, "completed");
  EXPECT_GT(bob->ended.front().packets_received, 40u);
  EXPECT_GT(a.wire_bytes_per_s_out, bob->ended.front().wire_bytes_per_s_in);  // + relay header

  const auto& sent = relay.log[caller_token];
  ASSERT_FALSE(sent.empty());
  const auto bye = std::find_if(sent.begin(), sent.end(), [](const RelayDouble::Sent& s) {
    return s.rtcp && s.second_byte == 203;
  });
  ASSERT_NE(bye, sent.end()) << "no BYE through the relay";
  EXPECT_EQ(bye + 1, sent.end()) << "alice sent " << (sent.end() - bye - 1)
                                 << " datagrams after her BYE";
  // Media ran right up to the hang-up: the last RTP packet left about a frame before the BYE
  // at most (plus the slack of a loaded machine's scheduling).
  const auto last_rtp = std::find_if(std::make_reverse_iterator(bye), sent.rend(),
                                     [](const RelayDouble::Sent& s) { return !s.rtcp; });
  ASSERT_NE(last_rtp, sent.rend());
  EXPECT_LE(bye->at - last_rtp->at, 30ms);
}

TEST(CallRelay, LosingTheRelayEndsTheCallAfterTheSilenceTimeout) {
  boost::asio::io_context io;
  LoopbackSwitch network(io);
  World world;
  RelayDouble relay(io);
  network.relay_grant =
      LoopbackSwitch::RelayGrant{relay.host_port(), std::string(16, 'C'), std::string(16, 'D')};
  network.super_node_udp = relay.endpoint();
  auto options = fast_options();
  options.force_relay = true;
  options.timeouts.media_silence = 500ms;
  auto alice = make_party(io, network, world, "alice", options);
  options.auto_answer = true;
  auto bob = make_party(io, network, world, "bob", options);
  alice->engine->call("bob");
  ASSERT_TRUE(run_until(io,
                        [&] {
                          return alice->engine->state() == CallState::active &&
                                 bob->engine->state() == CallState::active;
                        }))
      << alice->log() << bob->log();
  relay.forwarding = false;
  const auto lost = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until(
      io, [&] { return !alice->ended.empty() && !bob->ended.empty(); }, 3s));
  const auto after = std::chrono::steady_clock::now() - lost;
  EXPECT_EQ(alice->ended.front().outcome, "failed");
  EXPECT_NE(alice->ended.front().end_reason.find("nothing heard"), std::string::npos);
  EXPECT_GE(after, 500ms);
  EXPECT_LT(after, 1500ms);
}

TEST(CallRelay, NoMediaPathFailsAtTheConnectDeadline) {
  boost::asio::io_context io;
  LoopbackSwitch network(io);
  World world;
  RelayDouble relay(io);
  relay.forwarding = false;  // granted, but nothing gets through
  network.relay_grant =
      LoopbackSwitch::RelayGrant{relay.host_port(), std::string(16, 'E'), std::string(16, 'F')};
  network.super_node_udp = relay.endpoint();
  auto options = fast_options();
  options.force_relay = true;
  options.timeouts.connect = 600ms;
  auto alice = make_party(io, network, world, "alice", options);
  options.auto_answer = true;
  auto bob = make_party(io, network, world, "bob", options);
  const auto started = std::chrono::steady_clock::now();
  alice->engine->call("bob");
  ASSERT_TRUE(run_until(
      io, [&] { return !alice->ended.empty() && !bob->ended.empty(); }, 3s))
      << alice->log() << bob->log();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1500ms);
  EXPECT_EQ(alice->ended.front().outcome, "failed");
  EXPECT_NE(alice->ended.front().end_reason.find("no media path"), std::string::npos);
  EXPECT_EQ(alice->ended.front().path, "");
  EXPECT_TRUE(bob->ended.front().outcome == "failed" || bob->ended.front().outcome == "completed")
      << bob->ended.front().outcome;
}

// The relay grant is unsigned: a super node on the path must not point a
// side's checks and media at a host that is not the granting super node's.
TEST(CallRelay, GrantOnAnotherHostThanTheSuperNodeIsIgnored) {
  boost::asio::io_context io;
  LoopbackSwitch network(io);
  World world;
  RelayDouble relay(io);
  // The switch stamps from_super_node 127.0.0.1:7460; the relay it grants is elsewhere.
  network.relay_grant =
      LoopbackSwitch::RelayGrant{"127.0.0.2:" + std::to_string(relay.endpoint().port()),
                                 std::string(16, 'G'), std::string(16, 'H')};
  network.super_node_udp = relay.endpoint();  // the caller's super node: 127.0.0.1
  auto options = fast_options();
  options.force_relay = true;
  auto alice = make_party(io, network, world, "alice", options);
  options.auto_answer = true;
  auto bob = make_party(io, network, world, "bob", options);
  alice->engine->call("bob");
  ASSERT_TRUE(run_until(
      io, [&] { return !alice->ended.empty() && !bob->ended.empty(); }, 4s))
      << alice->log() << bob->log();
  EXPECT_NE(alice->ended.front().end_reason.find("granted no relay slot"), std::string::npos)
      << alice->ended.front().end_reason;
  EXPECT_NE(bob->ended.front().end_reason.find("granted no relay slot"), std::string::npos)
      << bob->ended.front().end_reason;
  EXPECT_TRUE(alice->saw("ignored a relay offer")) << alice->log();
  EXPECT_TRUE(bob->saw("ignored a relay grant")) << bob->log();
}

TEST(CallCandidates, GroupAndBroadcastAddressesAreRefused) {
  EXPECT_TRUE(call::parse_candidate("127.0.0.1:5000"));
  EXPECT_TRUE(call::parse_candidate("[::1]:5000"));
  EXPECT_FALSE(call::parse_candidate("224.0.0.1:5000"));
  EXPECT_FALSE(call::parse_candidate("239.255.255.250:1900"));
  EXPECT_FALSE(call::parse_candidate("255.255.255.255:5000"));
  EXPECT_FALSE(call::parse_candidate("[ff02::1]:5000"));
  EXPECT_FALSE(call::parse_candidate("0.0.0.0:5000"));
  EXPECT_FALSE(call::parse_candidate("[::]:5000"));
  EXPECT_FALSE(call::parse_candidate("127.0.0.1:0"));
}

TEST(CallCandidates, PathsLearntFromChecksAreBounded) {
  std::vector<call::MediaPath> paths;
  for (std::uint16_t port = 1000; port < 1100; ++port) {
    call::learn_path(paths, {udp::endpoint(boost::asio::ip::address_v4::loopback(), port), false});
  }
  EXPECT_EQ(paths.size(), call::kMaxCheckPaths);
  EXPECT_FALSE(call::learn_path(paths, paths.front()));  // known
}

}  // namespace
}  // namespace parley::call_test
