// Whole calls between engines in one process: the loopback double carries
// signaling; media goes over real UDP sockets on 127.0.0.1 through the real
// opus, aes-gcm, wav and udp plugins of this build.
#include "call/call_engine.hpp"
#include "call/call_engine_state.hpp"
#include "call/call_id.hpp"
#include "call/call_signal.hpp"
#include "call/invite_meter.hpp"

#include <gtest/gtest.h>
#include <algorithm>

#include <iostream>

#include "call_test_world.hpp"
#include "media/quality_metrics.hpp"
#include "temp_dir.hpp"
#include "wav_io.hpp"

namespace parley::call_test {
namespace {

using call::CallState;

class CallEngineTest : public ::testing::Test {
 protected:
  std::unique_ptr<Party> party(const std::string& id,
                               call::CallEngineOptions options = fast_options()) {
    return make_party(io_, network_, world_, id, std::move(options));
  }
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds deadline = 5s) {
    return call_test::run_until(io_, done, deadline);
  }
  static std::string logs(const Party& a, const Party& b) { return a.log() + b.log(); }

  boost::asio::io_context io_;
  LoopbackSwitch network_{io_};
  World world_;
};

TEST_F(CallEngineTest, FullCallCarriesAudioBothWays) {
  test::TempDir dir("parley-call");
  constexpr std::uint32_t kRate = 48000;
  const auto alice_says = test_signal(kRate, 3.0, 330);
  const auto bob_says = test_signal(kRate, 3.0, 520);
  write_wav(dir / "alice.wav", alice_says, kRate);
  write_wav(dir / "bob.wav", bob_says, kRate);

  auto alice_options = fast_options();
  alice_options.audio.play_wav = dir / "alice.wav";
  alice_options.audio.record_wav = dir / "alice-heard.wav";
  auto bob_options = answering_options();
  bob_options.audio.play_wav = dir / "bob.wav";
  bob_options.audio.record_wav = dir / "bob-heard.wav";
  auto alice = party("alice", alice_options);
  auto bob = party("bob", bob_options);

  const auto id = alice->engine->call("bob");
  EXPECT_TRUE(call::is_call_id(id)) << id;
  ASSERT_TRUE(run_until([&] {
    return both_active(*alice, *bob) && alice->engine->stats()->setup_ms > 0 &&
           bob->engine->stats()->setup_ms > 0;
  })) << logs(*alice, *bob);
  // Two and a half seconds of media at least (the correlation below needs two).
  ASSERT_TRUE(hear_media(io_, *bob, 2500ms, 100, 15s)) << logs(*alice, *bob);
  const auto hung_up_at = std::chrono::steady_clock::now();
  alice->engine->hang_up();
  ASSERT_TRUE(run_until_both_ended(io_, *alice, *bob)) << logs(*alice, *bob);

  const auto& a = alice->ended.front();
  const auto& b = bob->ended.front();
  EXPECT_EQ(a.call_id, id);
  EXPECT_EQ(b.call_id, id);
  EXPECT_EQ(a.outcome, "completed");
  EXPECT_EQ(b.outcome, "completed");
  EXPECT_EQ(a.direction, "outgoing");
  EXPECT_EQ(b.direction, "incoming");
  EXPECT_EQ(a.peer, "bob");
  EXPECT_EQ(b.peer, "alice");
  EXPECT_EQ(a.path, "direct");
  EXPECT_EQ(b.path, "direct");
  EXPECT_EQ(a.codec, "opus");
  EXPECT_EQ(a.codec_bitrate_bps, 32000u);
  EXPECT_FALSE(a.cipher.empty());
  EXPECT_EQ(a.cipher, b.cipher);
  EXPECT_FALSE(a.safety_number.empty());
  EXPECT_EQ(a.safety_number, b.safety_number);
  EXPECT_GT(a.packets_sent, 100u);
  EXPECT_GT(b.packets_received, 100u);
  EXPECT_EQ(a.packets_lost, 0u);  // loopback: a stall delays packets, never loses them
  EXPECT_EQ(a.auth_failures, 0u);
  // With no loss only delay lowers the score: above 3.8 is a one-way delay
  // under ~300 ms, room for a jitter buffer grown on a loaded machine.
  EXPECT_GT(a.mos, 3.8);
  EXPECT_GT(a.rtt_ms, 0.0);
  EXPECT_GT(a.wire_bytes_per_s_out, 3000.0);
  EXPECT_GT(b.wire_bytes_per_s_in, 3000.0);
  EXPECT_GT(a.capture_start_ns, 0);
  EXPECT_GT(b.playback_start_ns, a.capture_start_ns);
  EXPECT_EQ(b.recording, (dir / "bob-heard.wav").string());
  // The hang-up (the BYE or the HANGUP, whichever comes first) ends bob's
  // side at once, not the media silence deadline (2 s) later.
  EXPECT_NE(b.end_reason.find("hung up"), std::string::npos) << b.end_reason;
  const auto bob_ended_after =
      std::chrono::duration<double, std::milli>(bob->ended_at.front() - hung_up_at).count();
  EXPECT_LT(bob_ended_after, 1000.0);

  EXPECT_TRUE(alice->saw("looking up bob"));
  EXPECT_TRUE(alice->saw("inviting bob"));
  EXPECT_TRUE(alice->saw("ringing"));
  EXPECT_TRUE(alice->saw("active: direct 127.0.0.1:"));
  EXPECT_TRUE(alice->saw("ended: completed (hung up)"));
  EXPECT_TRUE(bob->saw("ringing from alice"));
  EXPECT_EQ(alice->engine->state(), CallState::idle);

  // What bob heard is what alice said, delayed; and the other way.
  const auto correlate = [&](const std::vector<std::int16_t>& said, const std::string& heard_file) {
    const auto heard = read_wav(dir / heard_file);
    // Four half-second windows over the first two seconds, each aligned on
    // its own (loopback delays are tens of ms: 200 ms of lag is plenty), and
    // the median kept: the jitter buffer may settle its delay in the first
    // window on a loaded machine, which moves the lag but loses no audio.
    const std::size_t window = kRate / 2;
    std::vector<std::pair<double, std::int64_t>> scores;
    for (std::size_t begin = 0; begin + window <= std::min(said.size(), heard.size());
         begin += window) {
      if (scores.size() == 4) break;
      const std::vector<std::int16_t> said_part(said.begin() + begin, said.end());
      const std::vector<std::int16_t> heard_part(heard.begin() + begin, heard.end());
      const auto lag = media::alignment_lag(said_part, heard_part, kRate / 5, window);
      scores.emplace_back(correlation_at(said_part, heard_part, lag, window), lag);
    }
    if (scores.empty()) return std::pair{std::int64_t{0}, 0.0};
    std::sort(scores.begin(), scores.end());
    const auto& median = scores[scores.size() / 2];
    return std::pair{median.second, median.first};
  };
  const auto [bob_lag, bob_correlation] = correlate(alice_says, "bob-heard.wav");
  const auto [alice_lag, alice_correlation] = correlate(bob_says, "alice-heard.wav");
  EXPECT_GT(bob_correlation, 0.8) << "lag " << bob_lag;
  EXPECT_GT(alice_correlation, 0.8) << "lag " << alice_lag;

  std::cout << "figures: setup " << a.setup_ms << " ms (caller), " << b.setup_ms
            << " ms (callee); wire out " << a.wire_bytes_per_s_out << " B/s, in "
            << a.wire_bytes_per_s_in << " B/s; rtt " << a.rtt_ms << " ms; jitter " << b.jitter_ms
            << " ms; mos " << a.mos << "; correlation bob<-alice " << bob_correlation << " (lag "
            << bob_lag << "), alice<-bob " << alice_correlation << " (lag " << alice_lag
            << "); bob ended " << bob_ended_after << " ms after the hang-up\n";
}

TEST_F(CallEngineTest, CalleeRejects) {
  auto alice = party("alice");
  auto bob = party("bob");
  alice->engine->call("bob");
  ASSERT_TRUE(run_until([&] {
    return alice->engine->state() == CallState::ringing &&
           bob->engine->state() == CallState::ringing;
  })) << logs(*alice, *bob);
  EXPECT_EQ(bob->engine->peer(), "alice");
  bob->engine->reject("not now");
  ASSERT_TRUE(run_until_both_ended(io_, *alice, *bob));
  EXPECT_EQ(alice->ended.front().outcome, "rejected");
  EXPECT_NE(alice->ended.front().end_reason.find("not now"), std::string::npos);
  EXPECT_EQ(bob->ended.front().outcome, "rejected");
  EXPECT_EQ(alice->ended.front().path, "");
}

TEST_F(CallEngineTest, SecondCallerGetsBusy) {
  auto alice = party("alice");
  auto bob = party("bob", answering_options());
  auto carol = party("carol");
  alice->engine->call("bob");
  ASSERT_TRUE(run_until([&] { return bob->engine->state() == CallState::active; }))
      << logs(*alice, *bob);
  carol->engine->call("bob");
  ASSERT_TRUE(run_until([&] { return !carol->ended.empty(); })) << carol->log() << bob->log();
  EXPECT_EQ(carol->ended.front().outcome, "busy");
  EXPECT_EQ(bob->engine->state(), CallState::active);
  EXPECT_EQ(bob->engine->peer(), "alice");
  EXPECT_TRUE(bob->ended.empty());

  // Alice, in a call, cannot start another: the new id fails at once.
  const auto second = alice->engine->call("carol");
  ASSERT_TRUE(run_until([&] { return !alice->ended.empty(); }));
  EXPECT_EQ(alice->ended.front().call_id, second);
  EXPECT_EQ(alice->ended.front().outcome, "failed");
  EXPECT_EQ(alice->engine->state(), CallState::active);
}

TEST_F(CallEngineTest, CallerCancelsWhileRinging) {
  auto alice = party("alice");
  auto bob = party("bob");
  alice->engine->call("bob");
  ASSERT_TRUE(run_until([&] { return alice->engine->state() == CallState::ringing; }));
  alice->engine->hang_up("changed my mind");
  ASSERT_TRUE(run_until_both_ended(io_, *alice, *bob));
  EXPECT_EQ(alice->ended.front().outcome, "cancelled");
  EXPECT_EQ(bob->ended.front().outcome, "cancelled");
  EXPECT_EQ(bob->engine->state(), CallState::idle);
}

TEST_F(CallEngineTest, UnansweredCallTimesOut) {
  auto options = fast_options();
  options.timeouts.ring = 400ms;
  auto alice = party("alice", options);
  auto bob = party("bob");
  // The ring deadline runs from alice's ringing: no earlier than 400 ms after
  // the call began, and soon after her ringing was seen (which excludes the
  // set-up a loaded machine slows), well before the default 2 s.
  const auto started = std::chrono::steady_clock::now();
  alice->engine->call("bob");
  ASSERT_TRUE(run_until([&] { return alice->engine->state() == CallState::ringing; }))
      << logs(*alice, *bob);
  const auto ringing_seen = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until_both_ended(io_, *alice, *bob));
  EXPECT_EQ(alice->ended.front().outcome, "timeout");
  EXPECT_EQ(bob->ended.front().outcome, "cancelled");  // the caller's cancel, before bob's 2 s
  EXPECT_GE(alice->ended_at.front() - started, 400ms);
  EXPECT_LT(alice->ended_at.front() - ringing_seen, 1500ms);
}

TEST_F(CallEngineTest, RepeatedInviteNeverMakesASecondCall) {
  auto alice = party("alice");
  auto bob = party("bob");
  alice->engine->call("bob");
  ASSERT_TRUE(run_until([&] { return bob->engine->state() == CallState::ringing; }));
  const auto invite = std::find_if(network_.sent.begin(), network_.sent.end(), [](const auto& r) {
    return r.kind() == overlay::CALL_SIGNAL_INVITE;
  });
  ASSERT_NE(invite, network_.sent.end());
  const auto replayed = *invite;
  network_.deliver(replayed);
  run_for(io_, 100ms);
  EXPECT_EQ(bob->count("ringing from"), 1) << bob->log();
  bob->engine->reject();
  ASSERT_TRUE(run_until_both_ended(io_, *alice, *bob));
  network_.deliver(replayed);  // after the call: still nothing
  run_for(io_, 100ms);
  EXPECT_EQ(bob->count("ringing from"), 1) << bob->log();
  EXPECT_EQ(bob->engine->state(), CallState::idle);
  EXPECT_EQ(bob->ended.size(), 1u);
}

TEST_F(CallEngineTest, UnknownUserIsUnreachable) {
  auto alice = party("alice");
  alice->engine->call("nobody");
  ASSERT_TRUE(run_until([&] { return !alice->ended.empty(); }));
  EXPECT_EQ(alice->ended.front().outcome, "unreachable");
  EXPECT_EQ(alice->engine->state(), CallState::idle);
}

TEST_F(CallEngineTest, LostInviteTimesOutUnreachable) {
  auto alice = party("alice");
  auto bob = party("bob");
  network_.drop_to.insert("bob");
  alice->engine->call("bob");
  ASSERT_TRUE(run_until([&] { return !alice->ended.empty(); }, 3s));
  EXPECT_EQ(alice->ended.front().outcome, "unreachable");
  EXPECT_TRUE(bob->ended.empty());
}

TEST_F(CallEngineTest, RouteFailureIsUnreachable) {
  auto alice = party("alice");
  auto bob = party("bob");
  network_.detach("bob");  // in the directory, but its super node no longer has it
  alice->engine->call("bob");
  ASSERT_TRUE(run_until([&] { return !alice->ended.empty(); }));
  EXPECT_EQ(alice->ended.front().outcome, "unreachable");
  EXPECT_NE(alice->ended.front().end_reason.find("not attached here"), std::string::npos);
}

TEST_F(CallEngineTest, ForgedRouteIsDropped) {
  auto alice = party("alice");
  auto bob = party("bob");
  alice->engine->call("bob");
  ASSERT_TRUE(run_until([&] { return bob->engine->state() == CallState::ringing; }));
  auto invite = network_.sent.front();
  invite.set_from_user("mallory");  // a super node lying about the sender
  invite.set_call_id(std::string(32, 'a'));
  network_.deliver(invite);
  run_for(io_, 100ms);
  EXPECT_TRUE(bob->saw("dropped a call message from mallory")) << bob->log();
  EXPECT_EQ(bob->count("ringing from"), 1);
}

TEST_F(CallEngineTest, CalleeHangsUp) {
  auto alice = party("alice");
  auto bob = party("bob", answering_options());
  ASSERT_TRUE(call_until_active(io_, *alice, *bob));
  bob->engine->hang_up("gotta go");
  ASSERT_TRUE(run_until_both_ended(io_, *alice, *bob));
  EXPECT_EQ(alice->ended.front().outcome, "completed");
  EXPECT_EQ(bob->ended.front().outcome, "completed");
}

TEST_F(CallEngineTest, DirectMediaOutlivesSignaling) {
  auto alice = party("alice");
  auto bob = party("bob", answering_options());
  ASSERT_TRUE(call_until_active(io_, *alice, *bob));
  // Both lose their super node: signaling is gone, the media path is not.
  network_.detach("alice");
  network_.detach("bob");
  const auto before = bob->engine->stats()->packets_received;
  run_for(io_, 500ms);
  EXPECT_GT(bob->engine->stats()->packets_received, before + 15);
  EXPECT_EQ(bob->engine->state(), CallState::active);
  alice->engine->hang_up();  // the HANGUP goes nowhere; the BYE on the media path arrives
  ASSERT_TRUE(run_until([&] { return !bob->ended.empty(); })) << bob->log();
  EXPECT_EQ(bob->ended.front().outcome, "completed");
  EXPECT_NE(bob->ended.front().end_reason.find("BYE"), std::string::npos);
}

// A message signed by `from` for the call, as a super node would deliver it:
// stands for a captured one replayed later (same sequence, fresh timestamp).
overlay::CallRoute signed_route(const Party& from, const std::string& to,
                                const std::string& call_id, std::uint64_t sequence,
                                const std::function<void(call::CallMessage&)>& body) {
  call::CallMessage message;
  message.set_call_id(call_id);
  message.set_from_user(from.id);
  message.set_to_user(to);
  message.set_sequence(sequence);
  message.set_sent_at_ms(
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     identity::Clock::now().time_since_epoch())
                                     .count()));
  body(message);
  const auto wire = call::sign_call_message(message, *from.credentials.identity_key,
                                            from.credentials.certificate);
  overlay::CallRoute route;
  route.set_call_id(call_id);
  route.set_kind(call::signal_kind(message));
  route.set_from_user(from.id);
  route.set_to_user(to);
  route.set_from_super_node("127.0.0.1:7460");
  route.set_payload(wire.data(), wire.size());
  return route;
}

// The live call keeps the peer's last sequence itself: no flood of other
// call ids (which once pushed it out of the engine-wide guard) lets a
// replayed CANCEL or HANGUP of it through.
TEST_F(CallEngineTest, ReplayedEndOfTheLiveCallIsIgnoredAfterAFloodOfOtherCalls) {
  // Verifying 2,000 signed messages holds the io thread for a second or more
  // (several under sanitizers on a loaded machine): the ring and media silence
  // deadlines must outlast the floods, or the call ends for that reason instead.
  auto patient = fast_options();
  patient.timeouts.ring = 60s;
  patient.timeouts.media_silence = 60s;
  auto alice = party("alice", patient);
  auto bob = party("bob", patient);
  auto mallory = party("mallory");
  alice->engine->call("bob");
  ASSERT_TRUE(run_until([&] { return bob->engine->state() == CallState::ringing; }))
      << logs(*alice, *bob);
  const auto invite = std::find_if(network_.sent.begin(), network_.sent.end(), [](const auto& r) {
    return r.kind() == overlay::CALL_SIGNAL_INVITE;
  });
  ASSERT_NE(invite, network_.sent.end());
  const auto call_id = invite->call_id();
  const auto flood = [&] {
    for (int i = 0; i < 2000; ++i) {
      network_.deliver(signed_route(*mallory, "bob", call::new_call_id(), 1,
                                    [](auto& m) { m.mutable_hangup()->set_reason("flood"); }));
    }
    ASSERT_TRUE(run_until([&] { return io_.poll() == 0; }, 10s));
  };

  flood();
  // Alice's invite was sequence 1: a CANCEL carrying it again is a replay.
  network_.deliver(signed_route(*alice, "bob", call_id, 1, [](auto& m) { m.mutable_cancel(); }));
  run_for(io_, 100ms);
  EXPECT_EQ(bob->engine->state(), CallState::ringing) << bob->log();
  EXPECT_TRUE(bob->ended.empty());

  bob->engine->answer();
  ASSERT_TRUE(run_until([&] { return both_active(*alice, *bob); })) << logs(*alice, *bob);
  flood();
  // Alice's confirm was sequence 2: a HANGUP with it is a replay too.
  network_.deliver(signed_route(*alice, "bob", call_id, 2,
                                [](auto& m) { m.mutable_hangup()->set_reason("replayed"); }));
  run_for(io_, 100ms);
  EXPECT_EQ(bob->engine->state(), CallState::active) << bob->log();
  EXPECT_TRUE(bob->ended.empty());
  // A genuine newer one still ends it.
  network_.deliver(signed_route(*alice, "bob", call_id, 50,
                                [](auto& m) { m.mutable_hangup()->set_reason("for real"); }));
  ASSERT_TRUE(run_until([&] { return !bob->ended.empty(); })) << bob->log();
  EXPECT_NE(bob->ended.front().end_reason.find("for real"), std::string::npos);
}

// One certified user flooding invites gets a share of answers, not the
// whole replay guard: past it one invite is refused with a reason (a genuine
// caller redialling learns when to try again) and the rest are dropped
// unanswered; others are still answered.
TEST_F(CallEngineTest, InvitesPastASendersShareAreRefusedOnceThenDropped) {
  auto bob = party("bob");
  auto mallory = party("mallory");
  auto carol = party("carol");
  const auto invite = [](call::CallMessage& m) { m.mutable_invite()->set_handshake_hello("x"); };
  for (int i = 0; i < 40; ++i) {
    network_.deliver(signed_route(*mallory, "bob", call::new_call_id(), 1, invite));
  }
  network_.deliver(signed_route(*carol, "bob", call::new_call_id(), 1, invite));
  ASSERT_TRUE(run_until([&] { return io_.poll() == 0; }, 10s));
  const auto answers_to = [&](const std::string& user) {
    return std::count_if(network_.sent.begin(), network_.sent.end(),
                         [&](const auto& r) { return r.to_user() == user; });
  };
  EXPECT_EQ(answers_to("mallory"), static_cast<long>(call::kInvitesPerSender) + 1);
  EXPECT_EQ(answers_to("carol"), 1);
  EXPECT_NE(bob->log().find("refused a call from mallory: more than 16 calls in 60 s"),
            std::string::npos)
      << bob->log();
}

// A genuine caller past the share hears why, through a real engine.
TEST_F(CallEngineTest, ACallerPastTheShareIsToldWhenToTryAgain) {
  auto alice = party("alice");
  auto bob = party("bob");
  for (std::size_t i = 0; i < call::kInvitesPerSender; ++i) {
    alice->engine->call("bob");
    ASSERT_TRUE(run_until([&] { return bob->engine->state() == CallState::ringing; }))
        << bob->log();
    bob->engine->reject();
    ASSERT_TRUE(run_until([&] { return alice->ended.size() == i + 1; })) << alice->log();
    ASSERT_EQ(alice->ended.back().outcome, "rejected");
  }
  alice->engine->call("bob");
  ASSERT_TRUE(run_until([&] { return alice->ended.size() == call::kInvitesPerSender + 1; }))
      << alice->log();
  EXPECT_EQ(alice->ended.back().outcome, "rejected");
  EXPECT_NE(alice->ended.back().end_reason.find("too many calls; try again in "), std::string::npos)
      << alice->ended.back().end_reason;
  EXPECT_EQ(bob->engine->state(), CallState::idle);
}

TEST(CallInviteMeter, SharePerSenderWithinTheWindowAndBoundedSenders) {
  using Verdict = call::InviteMeter::Verdict;
  call::InviteMeter meter(2, 2, 1000ms);
  const auto start = call::InviteMeter::Clock::now();
  EXPECT_EQ(meter.admit("a", start).verdict, Verdict::admitted);
  EXPECT_EQ(meter.admit("a", start).verdict, Verdict::admitted);
  const auto told = meter.admit("a", start + 10ms);
  EXPECT_EQ(told.verdict, Verdict::refused_tell);
  EXPECT_EQ(told.retry_after, 1s);  // 990 ms, rounded up
  EXPECT_EQ(meter.admit("a", start + 20ms).verdict, Verdict::refused_silently);
  EXPECT_EQ(meter.admit("b", start).verdict, Verdict::admitted);
  // Two senders tracked already: a third is refused without an answer.
  EXPECT_EQ(meter.admit("c", start + 10ms).verdict, Verdict::refused_silently);
  EXPECT_EQ(meter.admit("a", start + 1000ms).verdict, Verdict::admitted);  // the window moved on
  EXPECT_EQ(meter.admit("c", start + 1000ms).verdict, Verdict::admitted);  // b expired: room
  EXPECT_EQ(meter.senders(), 2u);
  // Admitted again after waiting as told: the next refusal is answered too.
  EXPECT_EQ(meter.admit("a", start + 1000ms).verdict, Verdict::admitted);
  EXPECT_EQ(meter.admit("a", start + 1100ms).verdict, Verdict::refused_tell);
  EXPECT_EQ(meter.admit("a", start + 1200ms).verdict, Verdict::refused_silently);
}

// CallRouteFailed is unsigned: it may end our own invite not yet answered,
// never an incoming call nor one the callee accepted.
TEST_F(CallEngineTest, RouteFailureEndsOnlyAnUnansweredOutgoingCall) {
  auto alice = party("alice");
  auto bob = party("bob");
  const auto id = alice->engine->call("bob");
  ASSERT_TRUE(run_until([&] { return bob->engine->state() == CallState::ringing; }))
      << logs(*alice, *bob);
  overlay::CallRouteFailed failed;
  failed.set_call_id(id);
  failed.set_reason("forged");
  bob->link->failed_handler_(failed);  // about an incoming call: not his to believe
  run_for(io_, 50ms);
  EXPECT_EQ(bob->engine->state(), CallState::ringing) << bob->log();
  bob->engine->answer();
  ASSERT_TRUE(run_until([&] { return both_active(*alice, *bob); })) << logs(*alice, *bob);
  alice->link->failed_handler_(failed);
  bob->link->failed_handler_(failed);
  run_for(io_, 100ms);
  EXPECT_EQ(alice->engine->state(), CallState::active) << alice->log();
  EXPECT_EQ(bob->engine->state(), CallState::active) << bob->log();
  EXPECT_TRUE(alice->ended.empty());
  EXPECT_TRUE(bob->ended.empty());
}

// Text a peer (or a super node) chooses never forges an event line.
TEST_F(CallEngineTest, PeerTextCannotForgeEventLines) {
  auto alice = party("alice");
  auto bob = party("bob", answering_options());
  ASSERT_TRUE(call_until_active(io_, *alice, *bob));
  auto forged = network_.sent.front();
  forged.set_from_user("mallory\ncall: ended: completed");
  network_.deliver(forged);
  bob->engine->hang_up("x\nended: completed (forged)");
  ASSERT_TRUE(run_until_both_ended(io_, *alice, *bob)) << logs(*alice, *bob);
  EXPECT_TRUE(bob->saw("dropped a call message from mallory")) << bob->log();
  for (const auto* who : {alice.get(), bob.get()}) {
    for (const auto& line : who->events) {
      EXPECT_EQ(line.find('\n'), std::string::npos) << who->id << ": " << line;
    }
  }
  EXPECT_FALSE(alice->saw("ended: completed (forged)"));
  EXPECT_EQ(alice->ended.front().end_reason.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace parley::call_test
