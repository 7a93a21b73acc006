// The media clock: frame deadlines derived from a start time and a frame count,
// so a late frame never shifts the ones after it (sleeping "one frame" per
// loop would accumulate every wake-up delay into drift).
#pragma once

#include <chrono>
#include <cstdint>

namespace parley::media {

// Nanoseconds since an arbitrary epoch: steady_clock's in a live call, zero
// at the start of a simulation.
using MediaTime = std::chrono::nanoseconds;

class MediaClock {
 public:
  // rate_offset_ppm simulates a device whose crystal runs fast (+) or slow (-):
  // every frame lasts frame_duration * (1 + ppm / 1e6).
  MediaClock(MediaTime start, MediaTime frame_duration, double rate_offset_ppm = 0);

  // Deadline of frame n: start + n frames, computed afresh each time (exact
  // in integer nanoseconds when there is no rate offset).
  [[nodiscard]] MediaTime deadline(std::int64_t frame_index) const;
  // How many frames are due by now (frames 0..n-1 have deadlines <= now).
  [[nodiscard]] std::int64_t frames_due(MediaTime now) const;
  [[nodiscard]] MediaTime frame_duration() const { return frame_duration_; }
  [[nodiscard]] MediaTime start() const { return start_; }

  // The current steady_clock time as a MediaTime (live calls).
  static MediaTime steady_now();
  // Blocks until the steady clock reaches deadline (live calls only; never in tests).
  static void sleep_until(MediaTime deadline);

 private:
  MediaTime start_;
  MediaTime frame_duration_;
  double rate_offset_ppm_;
};

}  // namespace parley::media
