// Did the far end hear what was sent? The recording of a call is the source
// delayed (by the network, jitter buffer and codec), cut at both ends, and
// changed by the codec. This finds the delay and says how alike they are.
//
// Coarse search on 1 ms energy envelopes over +-max_lag (the waveform of a
// perceptual codec is not the source's, its energy envelope is), then a
// sample-exact refinement on the waveform around its highest peaks (after a
// playout shift the envelopes may agree best between the two true lags, where
// the waveforms agree nowhere), then the normalised
// cross-correlation over the whole overlap and per one-second window. Each
// window is aligned the same way on its own within 150 ms of the call's lag,
// and so are its halves (the jitter buffer may shift playout mid-call, also
// inside a window; a shift is not a gap, which lowers a window at any lag).
// No Parley dependency: tests/integration/call's wav_correlate uses it too.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace parley::cli::demo {

struct WindowMatch {
  double start_s = 0;  // in the source
  double correlation = 0;
  // The source carries speech here (not a pause) and the recording covers
  // at least half of the window: only these count in min_window_correlation.
  bool active = false;
};

struct AudioMatch {
  // Samples by which the recording trails the source: source sample i is
  // recording sample i + lag. Negative when the recording missed the start.
  std::int64_t lag_samples = 0;
  double correlation = 0;             // normalised, over the overlap, in [-1, 1]
  double overlap_s = 0;               // how much of the source the recording covers
  double min_window_correlation = 0;  // lowest over active one-second windows
  std::vector<WindowMatch> windows;
};

// Both mono at rate_hz. An empty or silent input, or one with less than a
// second in common, gives correlation 0.
AudioMatch match_recording(std::span<const std::int16_t> source,
                           std::span<const std::int16_t> recording, std::uint32_t rate_hz,
                           double max_lag_s = 2.0);

}  // namespace parley::cli::demo
