#include "media/media_clock.hpp"

#include <cmath>
#include <stdexcept>
#include <thread>

namespace parley::media {

MediaClock::MediaClock(MediaTime start, MediaTime frame_duration, double rate_offset_ppm)
    : start_(start), frame_duration_(frame_duration), rate_offset_ppm_(rate_offset_ppm) {
  if (frame_duration.count() <= 0) throw std::invalid_argument("media clock: frame duration <= 0");
  if (std::abs(rate_offset_ppm) >= 1e5) {
    throw std::invalid_argument("media clock: rate offset beyond +/-10%");
  }
}

MediaTime MediaClock::deadline(std::int64_t frame_index) const {
  const std::int64_t nominal_ns = frame_index * frame_duration_.count();
  // The offset term is small (|ppm| < 1e5), so it is rounded once per call,
  // never summed frame after frame.
  const auto offset_ns = static_cast<std::int64_t>(
      std::llround(static_cast<double>(nominal_ns) * rate_offset_ppm_ * 1e-6));
  return start_ + MediaTime(nominal_ns + offset_ns);
}

std::int64_t MediaClock::frames_due(MediaTime now) const {
  if (now < start_) return 0;
  const double scaled_frame_ns =
      static_cast<double>(frame_duration_.count()) * (1 + rate_offset_ppm_ * 1e-6);
  auto estimate =
      static_cast<std::int64_t>(static_cast<double>((now - start_).count()) / scaled_frame_ns);
  // The floating estimate may be off by one at a boundary: settle it on the exact deadlines.
  while (estimate > 0 && deadline(estimate - 1) > now) --estimate;
  while (deadline(estimate) <= now) ++estimate;
  return estimate;
}

MediaTime MediaClock::steady_now() {
  return std::chrono::duration_cast<MediaTime>(std::chrono::steady_clock::now().time_since_epoch());
}

void MediaClock::sleep_until(MediaTime deadline) {
  std::this_thread::sleep_until(std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(deadline)));
}

}  // namespace parley::media
