// The jitter buffer against scripted networks, in simulated time: every
// packet's payload is its frame number, so each decision can be checked.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "media/jitter_buffer.hpp"
#include "media/media_clock.hpp"
#include "media/seeded_random.hpp"

namespace parley::media {
namespace {

using std::chrono::milliseconds;
constexpr std::uint32_t kFrameMs = 20;
constexpr std::uint32_t kClockHz = 48000;  // as Opus: 960 ticks per 20 ms frame

// When (if ever) each packet of a scripted stream arrives, relative to its send time.
struct Script {
  std::int64_t frames = 500;
  double sender_ppm = 0;  // > 0: the sender's frames last longer (its clock is slow)
  std::uint16_t first_sequence = 1000;
  // Extra delays of each copy of frame n; empty: lost. Default: one copy, on time.
  std::function<std::vector<double>(std::int64_t)> arrivals_ms = [](std::int64_t) {
    return std::vector<double>{5.0};
  };
  std::function<bool(std::int64_t)> sent = [](std::int64_t) { return true; };  // false: DTX
  // How late the receiver's tick for pull n wakes (a live loop never wakes exactly on time).
  std::function<double(std::int64_t)> wake_late_ms = [](std::int64_t) { return 0.0; };
};

// Arrivals: every frame once, 5 ms late, except those listed, which are lost.
std::function<std::vector<double>(std::int64_t)> losing(std::vector<std::int64_t> lost) {
  return [lost = std::move(lost)](std::int64_t n) {
    return std::find(lost.begin(), lost.end(), n) != lost.end() ? std::vector<double>{}
                                                                : std::vector<double>{5.0};
  };
}

struct Played {
  std::vector<PlayoutDecision> decisions;
  std::vector<std::int64_t> frame_numbers;   // from payloads (play) or -1
  std::vector<std::int64_t> payload_frames;  // from payloads (play and fec) or -1
  JitterBufferStats stats;
  std::vector<double> delays_ms;  // current delay after each pull
  std::size_t max_buffered = 0;
};

std::vector<std::uint8_t> payload_of(std::int64_t frame) {
  return {static_cast<std::uint8_t>(frame >> 24), static_cast<std::uint8_t>(frame >> 16),
          static_cast<std::uint8_t>(frame >> 8), static_cast<std::uint8_t>(frame)};
}

std::int64_t frame_of(std::span<const std::uint8_t> payload) {
  if (payload.size() != 4) return -1;
  return std::int64_t{payload[0]} << 24 | std::int64_t{payload[1]} << 16 |
         std::int64_t{payload[2]} << 8 | payload[3];
}

Played run(const Script& script, JitterBufferConfig config = {}) {
  config.rtp_clock_rate_hz = kClockHz;
  config.frame_duration_ms = kFrameMs;
  JitterBuffer buffer(config);
  struct Arrival {
    MediaTime at;
    std::int64_t frame;
    std::uint16_t sequence;
  };
  std::vector<Arrival> arrivals;
  const MediaClock sender(MediaTime{0}, milliseconds(kFrameMs), script.sender_ppm);
  std::uint16_t sequence = script.first_sequence;
  for (std::int64_t n = 0; n < script.frames; ++n) {
    if (!script.sent(n)) continue;
    for (double extra_ms : script.arrivals_ms(n)) {
      arrivals.push_back(
          {sender.deadline(n) + MediaTime(static_cast<std::int64_t>(extra_ms * 1e6)), n, sequence});
    }
    ++sequence;
  }
  std::stable_sort(arrivals.begin(), arrivals.end(), [](auto& a, auto& b) { return a.at < b.at; });

  Played played;
  const MediaClock receiver(MediaTime{0}, milliseconds(kFrameMs));
  std::size_t next = 0;
  for (std::int64_t pull = 0; pull < script.frames * 2 + 200; ++pull) {
    const MediaTime now = receiver.deadline(pull) +
                          MediaTime(static_cast<std::int64_t>(script.wake_late_ms(pull) * 1e6));
    for (; next < arrivals.size() && arrivals[next].at <= now; ++next) {
      const auto payload = payload_of(arrivals[next].frame);
      RtpView view;
      view.header.sequence = arrivals[next].sequence;
      view.header.timestamp = static_cast<std::uint32_t>(
          0x7fff0000u + arrivals[next].frame * kClockHz * kFrameMs / 1000);
      view.header.ssrc = 42;
      view.header.payload_type = 111;
      view.payload = payload;
      buffer.insert(view, arrivals[next].at);
    }
    const auto decision = buffer.pop_frame_due(now);
    played.decisions.push_back(decision);
    played.frame_numbers.push_back(
        decision.action == PlayoutAction::play ? frame_of(decision.payload) : -1);
    // Payload views last until the next insert: read them now.
    played.payload_frames.push_back(frame_of(decision.payload));
    const auto stats = buffer.stats();
    played.delays_ms.push_back(stats.current_delay_ms);
    played.max_buffered = std::max(played.max_buffered, stats.buffered_packets);
    if (next == arrivals.size() && buffer.next_frame_index() >= script.frames) break;
  }
  played.stats = buffer.stats();
  return played;
}

// Frames played, in order, must be increasing: nothing played twice or out of order.
void expect_monotonic(const Played& played) {
  std::int64_t last = -1;
  for (auto frame : played.frame_numbers) {
    if (frame < 0) continue;
    EXPECT_GT(frame, last);
    last = frame;
  }
}

TEST(JitterBuffer, CleanNetworkPlaysEveryFrameAtLowDelay) {
  const auto played = run(Script{});
  EXPECT_EQ(played.stats.frames_played + played.stats.frames_dropped, 500u);
  EXPECT_LE(played.stats.frames_dropped, 2u);  // settling from the initial delay
  EXPECT_EQ(played.stats.frames_concealed, 0u);
  EXPECT_EQ(played.stats.packets_lost, 0u);
  EXPECT_LE(played.stats.target_delay_ms, 15.0);  // half a frame of margin
  EXPECT_LE(played.stats.current_delay_ms, played.stats.target_delay_ms + 2 * kFrameMs);
  expect_monotonic(played);
}

// A live receiver's ticks wake a little late, by varying amounts (scheduling,
// the work of the tick before). On a clean network that must cost nothing:
// no concealed frame inserted into the speech at the start or later.
TEST(JitterBuffer, ReceiverWakeUpJitterCostsNoFrames) {
  for (const bool fec : {false, true}) {
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
      SCOPED_TRACE(testing::Message() << "fec " << fec << " seed " << seed);
      Script script;
      auto random = std::make_shared<SeededRandom>(seed);
      // The sender's and receiver's frame grids are not in phase: the first
      // frame can come due anywhere within the buffer's band.
      const double transit_ms = 1 + random->uniform() * kFrameMs;
      // The sender's ticks wake late too, which the network passes on.
      script.arrivals_ms = [=](std::int64_t) {
        return std::vector<double>{transit_ms + random->uniform() * 2.0};
      };
      script.wake_late_ms = [=](std::int64_t) { return random->uniform() * 4.0; };
      JitterBufferConfig config;
      if (fec) {
        config.use_fec = true;
        config.min_delay_ms = 1.5 * kFrameMs;  // the floor the receive path arms at a loss
      }
      const auto played = run(script, config);
      EXPECT_EQ(played.stats.frames_inserted, 0u);
      EXPECT_LE(played.stats.frames_dropped, 2u);  // settling from the initial delay
      EXPECT_EQ(played.stats.frames_concealed, 0u);
      expect_monotonic(played);
    }
  }
}

TEST(JitterBuffer, LostPacketsAreConcealedAndCounted) {
  Script script;
  script.arrivals_ms = losing({100, 101, 300});
  const auto played = run(script);
  EXPECT_EQ(played.stats.packets_lost, 3u);
  // Each lost frame is concealed, or skipped when the delay runs a frame above target.
  EXPECT_EQ(played.stats.frames_concealed + played.stats.frames_dropped, 3u);
  EXPECT_GE(played.stats.frames_concealed, 2u);
  EXPECT_EQ(played.stats.frames_fec_recovered, 0u);
  EXPECT_EQ(played.stats.frames_dtx, 0u);
  expect_monotonic(played);
}

TEST(JitterBuffer, FecRebuildsAMissingFrameFromTheNextPacket) {
  Script script;
  script.arrivals_ms = losing({200});
  JitterBufferConfig config;
  config.use_fec = true;
  config.min_delay_ms = 30;  // a standing floor: the next packet is here when 200 is due
  const auto played = run(script, config);
  const auto fec = std::find_if(played.decisions.begin(), played.decisions.end(),
                                [](const auto& d) { return d.action == PlayoutAction::fec; });
  ASSERT_NE(fec, played.decisions.end());
  EXPECT_EQ(fec->frame_index, 200);
  // The successor carries frame 200's FEC data.
  EXPECT_EQ(played.payload_frames[static_cast<std::size_t>(fec - played.decisions.begin())], 201);
  EXPECT_EQ(played.stats.frames_fec_recovered, 1u);
  EXPECT_EQ(played.stats.frames_concealed, 0u);
  // The successor is still played in its own turn.
  EXPECT_NE(std::find(played.frame_numbers.begin(), played.frame_numbers.end(), 201),
            played.frame_numbers.end());
}

TEST(JitterBuffer, WithoutTheNextPacketFecFallsBackToConcealment) {
  Script script;
  script.arrivals_ms = losing({200, 201});
  JitterBufferConfig config;
  config.use_fec = true;
  config.min_delay_ms = 30;
  const auto played = run(script, config);
  // 200's successor is lost too: concealed; 201 is recovered from 202.
  EXPECT_EQ(played.stats.frames_concealed, 1u);
  EXPECT_EQ(played.stats.frames_fec_recovered, 1u);
}

// With FEC the floor of 1.5 frames (the next packet in hand when a frame is due)
// costs latency for nothing while no packet is lost: it starts at the first
// loss FEC could not cover, and from then on FEC rebuilds lost frames.
TEST(JitterBuffer, FecDelayIsAFloorOnlyFromTheFirstLoss) {
  Script script;
  script.frames = 1000;
  script.arrivals_ms = losing({400, 700});
  JitterBufferConfig config;
  config.use_fec = true;
  config.fec_delay_ms = 30;
  const auto played = run(script, config);
  // Before the first loss: the low clean-network delay.
  EXPECT_LE(played.delays_ms[300], 15.0);
  // After it the target holds the floor.
  EXPECT_GE(played.stats.target_delay_ms, 30.0);
  // Frame 400 was concealed (no floor yet); 700 was rebuilt from 701's FEC data.
  EXPECT_EQ(played.stats.frames_concealed + played.stats.frames_dropped, 1u);
  EXPECT_EQ(played.stats.frames_fec_recovered, 1u);
  EXPECT_LE(played.stats.frames_inserted, 2u);  // growing the delay to the floor
  expect_monotonic(played);
}

TEST(JitterBuffer, ReorderedPacketsArePlayedInOrder) {
  Script script;
  // Every tenth packet arrives 30 ms late, behind its successor.
  script.arrivals_ms = [](std::int64_t n) { return std::vector<double>{n % 10 == 5 ? 35.0 : 5.0}; };
  const auto played = run(script);
  EXPECT_EQ(played.stats.packets_reordered, 50u);
  expect_monotonic(played);
  // The buffer learns to wait for them: after the first seconds nothing is concealed.
  EXPECT_LE(played.stats.frames_concealed, 3u);
  EXPECT_GE(played.stats.target_delay_ms, 30.0);
}

TEST(JitterBuffer, DuplicatesAreDroppedAndCounted) {
  Script script;
  script.arrivals_ms = [](std::int64_t n) {
    return n % 5 == 0 ? std::vector<double>{5.0, 9.0} : std::vector<double>{5.0};
  };
  const auto played = run(script);
  EXPECT_EQ(played.stats.packets_duplicate, 100u);
  EXPECT_EQ(played.stats.packets_received, 500u);
  EXPECT_EQ(played.stats.frames_concealed, 0u);
  expect_monotonic(played);
}

TEST(JitterBuffer, ALatePacketIsDroppedAndItsFrameConcealed) {
  Script script;
  script.arrivals_ms = [](std::int64_t n) { return std::vector<double>{n == 250 ? 400.0 : 5.0}; };
  const auto played = run(script);
  EXPECT_EQ(played.stats.packets_late, 1u);
  EXPECT_EQ(played.stats.frames_concealed + played.stats.frames_dropped, 1u);
  EXPECT_EQ(played.stats.packets_lost, 0u);  // it did arrive
  // One outlier in a window of 500 does not move the 95th percentile.
  EXPECT_LE(played.stats.target_delay_ms, 15.0);
}

TEST(JitterBuffer, DtxGapsAreSilenceNotLoss) {
  Script script;
  script.sent = [](std::int64_t n) { return n < 100 || n >= 150; };  // 1 s of DTX
  const auto played = run(script);
  // A silent frame may be skipped to trim the delay: that is free.
  EXPECT_EQ(played.stats.frames_dtx + played.stats.frames_dropped, 50u);
  EXPECT_EQ(played.stats.frames_concealed, 0u);
  EXPECT_EQ(played.stats.packets_lost, 0u);
}

TEST(JitterBuffer, TargetDelayFollowsJitter) {
  for (double jitter_ms : {0.0, 10.0, 40.0}) {
    SCOPED_TRACE(jitter_ms);
    Script script;
    script.frames = 1500;
    auto random = std::make_shared<SeededRandom>(7);
    // FIFO queueing delay, exponential: the network model's kind of jitter.
    auto previous = std::make_shared<double>(0.0);
    script.arrivals_ms = [=](std::int64_t n) {
      const double send_ms = double(n) * kFrameMs;
      const double arrival = std::max(send_ms + 5 + random->exponential(jitter_ms), *previous);
      *previous = arrival;
      return std::vector<double>{arrival - send_ms};
    };
    const auto played = run(script);
    const double concealed_pct = 100.0 * double(played.stats.frames_concealed) / 1500;
    // The 95th percentile of exponential delay is 3x its mean; a FIFO queue
    // bunches packets behind slow ones, which stretches the tail a little.
    EXPECT_LE(played.stats.target_delay_ms, 4.5 * jitter_ms + kFrameMs);
    if (jitter_ms > 0) {
      EXPECT_GE(played.stats.target_delay_ms, 1.5 * jitter_ms);
    }
    EXPECT_LE(concealed_pct, 6.0);
    expect_monotonic(played);
  }
}

// +/-1% skew for 5 simulated minutes: the delay stays near the target, frames
// are dropped or inserted at the skew's rate, and memory stays bounded.
void check_skew(double sender_ppm) {
  Script script;
  script.frames = 15000;  // 5 minutes
  script.sender_ppm = sender_ppm;
  auto random = std::make_shared<SeededRandom>(11);
  script.arrivals_ms = [=](std::int64_t) {
    return std::vector<double>{5 + random->exponential(3)};
  };
  const auto played = run(script);
  const auto& stats = played.stats;
  const double skew_frames = 15000 * std::abs(sender_ppm) * 1e-6;  // 150
  if (sender_ppm < 0) {
    // Sender fast: a frame too many every 100: dropped.
    EXPECT_NEAR(double(stats.frames_dropped), skew_frames, 0.3 * skew_frames);
    EXPECT_LE(stats.frames_inserted, 0.1 * skew_frames);
  } else {
    EXPECT_NEAR(double(stats.frames_inserted), skew_frames, 0.3 * skew_frames);
    EXPECT_LE(stats.frames_dropped, 0.1 * skew_frames);
  }
  // Bounded: the delay never strays past target + 2 frames, in the last minute as in the first.
  const double max_delay = *std::max_element(played.delays_ms.begin(), played.delays_ms.end());
  EXPECT_LE(max_delay, stats.target_delay_ms + 2 * kFrameMs + 20);
  EXPECT_LE(played.max_buffered, 10u);
  EXPECT_LE(stats.frames_concealed, 15000 * 0.02);
  expect_monotonic(played);
}

TEST(JitterBuffer, SenderClockOnePercentFastIsAbsorbedByDroppingFrames) {
  check_skew(-10000);
}
TEST(JitterBuffer, SenderClockOnePercentSlowIsAbsorbedByInsertingFrames) {
  check_skew(+10000);
}

TEST(JitterBuffer, SequenceNumbersWrapWithoutLoss) {
  Script script;
  script.first_sequence = 65500;
  const auto played = run(script);
  EXPECT_EQ(played.stats.packets_lost, 0u);
  EXPECT_EQ(played.stats.packets_duplicate, 0u);
  EXPECT_EQ(played.stats.frames_concealed, 0u);
}

TEST(JitterBuffer, ANewSsrcRestartsTheStream) {
  JitterBufferConfig config;
  JitterBuffer buffer(config);
  const auto payload = payload_of(1);
  RtpView view;
  view.payload = payload;
  view.header.ssrc = 1;
  for (int n = 0; n < 20; ++n) {
    view.header.sequence = static_cast<std::uint16_t>(n);
    view.header.timestamp = static_cast<std::uint32_t>(n * 960);
    buffer.insert(view, milliseconds(20 * n));
    buffer.pop_frame_due(milliseconds(20 * n));
  }
  view.header.ssrc = 2;
  view.header.sequence = 5000;
  view.header.timestamp = 123456789;
  buffer.insert(view, milliseconds(400));
  EXPECT_EQ(buffer.stats().stream_resets, 1u);
  EXPECT_FALSE(buffer.started());
}

TEST(JitterBuffer, TimestampsThatJumpRestartTheStreamAfterAFewPackets) {
  JitterBuffer buffer(JitterBufferConfig{});
  const auto payload = payload_of(1);
  RtpView view;
  view.payload = payload;
  view.header.ssrc = 1;
  std::uint64_t played = 0;
  for (int n = 0; n < 200; ++n) {
    view.header.sequence = static_cast<std::uint16_t>(n);
    // At frame 100 the sender restarts its timestamps far away.
    view.header.timestamp = static_cast<std::uint32_t>(n * 960 + (n >= 100 ? 2000000000u : 0u));
    buffer.insert(view, milliseconds(20 * n));
    if (buffer.pop_frame_due(milliseconds(20 * n)).action == PlayoutAction::play) ++played;
  }
  EXPECT_EQ(buffer.stats().stream_resets, 1u);
  EXPECT_GE(played, 170u);  // a few frames lost to the restart, not the rest of the call
}

TEST(JitterBuffer, OversizedPayloadsAreRefused) {
  JitterBufferConfig config;
  config.max_payload_bytes = 10;
  JitterBuffer buffer(config);
  const std::vector<std::uint8_t> big(11, 0);
  RtpView view;
  view.payload = big;
  buffer.insert(view, MediaTime{0});
  EXPECT_EQ(buffer.stats().packets_refused, 1u);
  EXPECT_EQ(buffer.stats().packets_received, 0u);
}

}  // namespace
}  // namespace parley::media
