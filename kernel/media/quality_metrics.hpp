// Objective quality figures of a degraded signal against a reference.
//
// Segmental SNR (per 20 ms frame, clamped to [-10, 35] dB, averaged over
// active frames) is the waveform measure: against the clean decode of the same
// codec the codec's own distortion cancels and what remains is what loss,
// concealment and the jitter buffer did. Concealment rebuilds plausible
// sound, not the waveform, so the log-spectral distance (RMS over frequency of
// the dB difference of 32 ms Hann-windowed power spectra, within 50 dB of each
// frame's strongest bin) is reported beside it: it sees whether the spectrum
// is right even where the phase is not.
// Neither is a perceptual model (PESQ/POLQA are not free software).
#pragma once

#include <cstdint>
#include <span>

namespace parley::media {

struct QualityOptions {
  double frame_ms = 20;
  // Frames quieter than this, relative to the loudest reference frame, are
  // pauses: they carry no speech to compare.
  double active_below_peak_db = 40;
  // Log-spectral distance: bins above this are left out (0: up to Nyquist),
  // so a narrowband codec is judged on the band it carries.
  double max_frequency_hz = 0;
  // ...and within a frame, bins more than this below the reference's
  // strongest are raised to that floor: inaudible detail must not dominate.
  double spectral_range_db = 50;
};

// Both signals mono, same rate, aligned; compared over the shorter length.
double segmental_snr_db(std::span<const std::int16_t> reference,
                        std::span<const std::int16_t> degraded, std::uint32_t sample_rate_hz,
                        const QualityOptions& options = {});
double log_spectral_distance_db(std::span<const std::int16_t> reference,
                                std::span<const std::int16_t> degraded,
                                std::uint32_t sample_rate_hz, const QualityOptions& options = {});

// The lag (samples) by which degraded trails reference, in [-max_lag, max_lag],
// maximising their cross-correlation over the first analysis_samples.
std::int64_t alignment_lag(std::span<const std::int16_t> reference,
                           std::span<const std::int16_t> degraded, std::int64_t max_lag,
                           std::size_t analysis_samples);

}  // namespace parley::media
