#include <gtest/gtest.h>

#include "media/media_clock.hpp"
#include "media/seeded_random.hpp"

namespace parley::media {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(MediaClock, DeadlinesComeFromTheFrameCountNotFromSums) {
  const MediaClock clock(seconds(5), milliseconds(20));
  EXPECT_EQ(clock.deadline(0), seconds(5));
  EXPECT_EQ(clock.deadline(1), seconds(5) + milliseconds(20));
  // Ten minutes of 20 ms frames end exactly ten minutes later.
  EXPECT_EQ(clock.deadline(30000), seconds(5) + seconds(600));
}

// A media loop that sleeps until each deadline, where every wake-up comes late
// by up to 3 ms and processing takes up to 15 ms: the schedule holds for ten
// minutes. The same loop sleeping "one frame" after each frame drifts by the
// sum of its wake-up delays.
TEST(MediaClock, ALoopPacedByDeadlinesDoesNotDriftOverTenMinutes) {
  const MediaClock clock(MediaTime{0}, milliseconds(20));
  SeededRandom random(3);
  MediaTime now{0};
  MediaTime drifting_now{0};
  MediaTime worst_lateness{0};
  for (std::int64_t frame = 0; frame < 30000; ++frame) {
    const auto wake_delay = MediaTime(static_cast<std::int64_t>(random.uniform() * 3e6));
    const auto processing = MediaTime(static_cast<std::int64_t>(random.uniform() * 15e6));
    // Paced by the clock: wake at the deadline (late by wake_delay), work.
    now = std::max(now, clock.deadline(frame)) + wake_delay;
    worst_lateness = std::max(worst_lateness, now - clock.deadline(frame));
    now += processing;
    // Paced by sleeping one frame after the last wake-up.
    drifting_now += milliseconds(20) + wake_delay;
  }
  EXPECT_LE(worst_lateness, milliseconds(3));  // never more than one wake-up late
  EXPECT_LE(now - clock.deadline(30000), milliseconds(20));
  EXPECT_GE(drifting_now - clock.deadline(30000), seconds(30));  // ~45 s of drift
}

TEST(MediaClock, FramesDueCountsDeadlinesReached) {
  const MediaClock clock(milliseconds(100), milliseconds(20));
  EXPECT_EQ(clock.frames_due(milliseconds(99)), 0);
  EXPECT_EQ(clock.frames_due(milliseconds(100)), 1);
  EXPECT_EQ(clock.frames_due(milliseconds(119)), 1);
  EXPECT_EQ(clock.frames_due(milliseconds(120)), 2);
  EXPECT_EQ(clock.frames_due(milliseconds(100) + seconds(600)), 30001);
}

TEST(MediaClock, ARateOffsetStretchesEveryFrameWithoutRoundingDrift) {
  const MediaClock fast(MediaTime{0}, milliseconds(20), -10000);  // 1% fast
  const MediaClock slow(MediaTime{0}, milliseconds(20), +10000);
  EXPECT_EQ(fast.deadline(30000), seconds(594));
  EXPECT_EQ(slow.deadline(30000), seconds(606));
  EXPECT_EQ(slow.frames_due(seconds(606)), 30001);
}

TEST(MediaClock, RefusesNonsense) {
  EXPECT_THROW(MediaClock(MediaTime{0}, MediaTime{0}), std::invalid_argument);
  EXPECT_THROW(MediaClock(MediaTime{0}, milliseconds(20), 2e5), std::invalid_argument);
}

}  // namespace
}  // namespace parley::media
