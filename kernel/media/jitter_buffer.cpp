#include "media/jitter_buffer.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace parley::media {
namespace {

double to_ms(MediaTime time) {
  return static_cast<double>(time.count()) * 1e-6;
}

// Enough slots for the largest delay, plus as much again for packets that run
// ahead of it (bursts after a stall, reordering).
std::size_t slot_count(const JitterBufferConfig& config) {
  const auto frames =
      static_cast<std::size_t>(std::ceil(config.max_delay_ms / config.frame_duration_ms));
  return std::max<std::size_t>(8, 2 * frames + 4);
}

DelayEstimatorConfig estimator_config(const JitterBufferConfig& config) {
  return {config.transit_history_ms, config.delay_window_packets, config.max_delay_ms};
}

}  // namespace

JitterBuffer::JitterBuffer(const JitterBufferConfig& config)
    : config_(config),
      timestamp_increment_(config.rtp_clock_rate_hz * config.frame_duration_ms / 1000),
      estimator_(estimator_config(config)) {
  if (timestamp_increment_ == 0)
    throw std::invalid_argument("jitter buffer: frame shorter than one RTP tick");
  if (config.min_delay_ms < 0 || config.max_delay_ms < config.min_delay_ms) {
    throw std::invalid_argument("jitter buffer: need 0 <= min_delay_ms <= max_delay_ms");
  }
  slots_.resize(slot_count(config));
}

std::uint64_t JitterBuffer::lost_in_stream() const {
  if (!sequence_unwrap_.started()) return 0;
  const auto expected = static_cast<std::uint64_t>(highest_sequence_ - base_sequence_ + 1);
  return expected > stream_received_ ? expected - stream_received_ : 0;
}

void JitterBuffer::reset_stream(std::uint32_t ssrc) {
  lost_in_previous_streams_ += lost_in_stream();
  stream_received_ = 0;
  have_stream_ = true;
  ssrc_ = ssrc;
  sequence_unwrap_.reset();
  timestamp_unwrap_.reset();
  seen_.reset();
  out_of_range_run_ = 0;
  started_ = false;
  have_last_sequence_ = false;
  stats_.frames_concealed += pending_gap_frames_;
  pending_gap_frames_ = pending_recovered_ = pending_skipped_ = 0;
  estimator_.reset();
  for (auto& slot : slots_) slot.index = -1;
}

std::size_t JitterBuffer::slot_of(std::int64_t index) const {
  const auto count = static_cast<std::int64_t>(slots_.size());
  return static_cast<std::size_t>(((index % count) + count) % count);
}

JitterBuffer::Slot* JitterBuffer::find(std::int64_t index) {
  auto& slot = slots_[slot_of(index)];
  return slot.index == index ? &slot : nullptr;
}

bool JitterBuffer::any_buffered() const {
  return std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.index >= 0; });
}

std::int64_t JitterBuffer::earliest_buffered() const {
  std::int64_t earliest = -1;
  for (const auto& slot : slots_) {
    if (slot.index >= 0 && (earliest < 0 || slot.index < earliest)) earliest = slot.index;
  }
  return earliest;
}

bool JitterBuffer::already_seen(std::int64_t sequence) {
  if (sequence > highest_sequence_) {
    // Forget the window positions the new highest sequence number moves past.
    const std::int64_t advance = std::min<std::int64_t>(sequence - highest_sequence_, kSeenWindow);
    for (std::int64_t s = highest_sequence_ + 1; s < highest_sequence_ + 1 + advance; ++s) {
      seen_.reset(static_cast<std::size_t>(s) % kSeenWindow);
    }
  } else if (highest_sequence_ - sequence >= static_cast<std::int64_t>(kSeenWindow)) {
    return true;  // too old to tell: treat as a duplicate, it would be late anyway
  }
  const auto bit = static_cast<std::size_t>(sequence) % kSeenWindow;
  if (seen_.test(bit)) return true;
  seen_.set(bit);
  return false;
}

void JitterBuffer::insert(const RtpView& packet, MediaTime arrival) {
  if (packet.payload.size() > config_.max_payload_bytes) {
    ++stats_.packets_refused;
    return;
  }
  if (!have_stream_ || packet.header.ssrc != ssrc_) {
    if (have_stream_) ++stats_.stream_resets;
    reset_stream(packet.header.ssrc);
  }
  const bool first = !sequence_unwrap_.started();
  const std::int64_t sequence = sequence_unwrap_.extend(packet.header.sequence);
  const std::int64_t timestamp = timestamp_unwrap_.extend(packet.header.timestamp);
  if (first) {
    base_sequence_ = sequence;
    highest_sequence_ = sequence - 1;
    base_timestamp_ = timestamp;
    next_index_ = 0;
  }
  if (already_seen(sequence)) {
    ++stats_.packets_duplicate;
    return;
  }
  if (sequence < highest_sequence_) {
    ++stats_.packets_reordered;
  } else {
    highest_sequence_ = sequence;
  }
  ++stats_.packets_received;
  ++stream_received_;

  const double media_ms =
      static_cast<double>(timestamp - base_timestamp_) * 1000.0 / config_.rtp_clock_rate_hz;
  const double arrival_ms = to_ms(arrival);
  // Round to the nearest frame: a sender whose timestamps are a little off
  // the frame grid still lands in the right slot.
  const auto index =
      static_cast<std::int64_t>(std::llround(static_cast<double>(timestamp - base_timestamp_) /
                                             static_cast<double>(timestamp_increment_)));
  const auto reach = static_cast<std::int64_t>(slots_.size());

  bool in_range = true;
  if (started_) {
    in_range = index >= next_index_ - reach && index < next_index_ + reach;
  } else if (any_buffered()) {
    const std::int64_t earliest = earliest_buffered();
    in_range = index > earliest - reach / 2 && index < earliest + reach / 2;
  }
  if (!in_range) {
    ++stats_.packets_refused;
    if (++out_of_range_run_ >= kOutOfRangeBeforeReset) {
      ++stats_.stream_resets;
      reset_stream(packet.header.ssrc);
      insert(packet, arrival);  // the first packet of the new stream
    }
    return;
  }
  out_of_range_run_ = 0;
  // Late packets still tell how late the network runs: they feed the estimate.
  estimator_.add(arrival_ms, media_ms);
  if (started_ && index < next_index_) {
    ++stats_.packets_late;
    return;
  }
  if (!started_ && (!any_buffered() || index < next_index_)) next_index_ = index;

  auto& slot = slots_[slot_of(index)];
  if (slot.index == index) {
    ++stats_.packets_duplicate;  // another packet for the same media time
    return;
  }
  slot.index = index;
  slot.sequence = sequence;
  slot.payload.assign(packet.payload.begin(), packet.payload.end());
}

double JitterBuffer::target_delay_ms() const {
  // The RFC 3550 jitter settles within ~16 packets but one outlier moves it a
  // lot; a percentile shrugs off outliers but needs a window full enough to
  // have a tail. So: the initial delay for the first packets, then the larger
  // of the two while the window is young, then the percentile alone.
  constexpr std::size_t kFirstEstimate = 10;
  constexpr std::size_t kPercentileAlone = 100;
  const double frame_ms = config_.frame_duration_ms;
  double target = config_.initial_delay_ms;
  if (estimator_.samples() >= kFirstEstimate) {
    double spread = estimator_.relative_delay_percentile_ms(config_.delay_percentile);
    if (estimator_.samples() < kPercentileAlone)
      spread = std::max(spread, 3 * estimator_.jitter_ms());
    target = spread + frame_ms / 2;
  }
  const double floor =
      fec_floor_ ? std::max(config_.min_delay_ms, config_.fec_delay_ms) : config_.min_delay_ms;
  return std::clamp(target, floor, std::max(floor, config_.max_delay_ms));
}

double JitterBuffer::playout_delay_ms(double now_ms) const {
  const double frame_media_ms = static_cast<double>(next_index_) * config_.frame_duration_ms;
  return now_ms - (frame_media_ms + estimator_.min_transit_ms());
}

void JitterBuffer::account_gap_before(std::int64_t sequence) {
  // Frames concealed since the last packet played were lost if packets are
  // missing in between, and DTX (the sender had nothing to send) if not.
  if (have_last_sequence_ && sequence > last_sequence_) {
    const auto missing = static_cast<std::uint64_t>(sequence - last_sequence_ - 1);
    const std::uint64_t explained = pending_recovered_ + pending_skipped_;
    const std::uint64_t lost = missing > explained ? missing - explained : 0;
    const std::uint64_t concealed_lost = std::min(pending_gap_frames_, lost);
    stats_.frames_concealed += concealed_lost;
    if (lost > 0 && config_.use_fec) fec_floor_ = true;
    stats_.frames_dtx += pending_gap_frames_ - concealed_lost;
  } else {
    stats_.frames_concealed += pending_gap_frames_;
  }
  pending_gap_frames_ = pending_recovered_ = pending_skipped_ = 0;
  have_last_sequence_ = true;
  last_sequence_ = sequence;
}

void JitterBuffer::note_delay(double delay_ms) {
  stats_.current_delay_ms = delay_ms;
  delay_sum_ms_ += delay_ms;
  ++delay_count_;
  stats_.max_delay_ms = std::max(stats_.max_delay_ms, delay_ms);
}

PlayoutDecision JitterBuffer::pop_frame_due(MediaTime now) {
  PlayoutDecision decision;
  if (!have_stream_) return decision;
  const double now_ms = to_ms(now);
  const double target = target_delay_ms();
  stats_.target_delay_ms = target;
  const double frame_ms = config_.frame_duration_ms;

  if (!started_) {
    // Start at the band's lower edge: with long frames, waiting for the
    // target itself could cost most of a frame of extra delay.
    if (!any_buffered() || playout_delay_ms(now_ms) < target - frame_ms / 2) return decision;
    started_ = true;
  }
  double delay = playout_delay_ms(now_ms);
  stats_.current_delay_ms = delay;

  if (delay >= target + frame_ms) {
    Slot* due = find(next_index_);
    // Skipping a missing frame (lost, late or DTX) costs nothing, so it goes
    // first. Dropping real audio waits for a second frame of excess, and for
    // the next frame to be here (else it would be concealed anyway).
    if (due == nullptr) {
      ++pending_skipped_;
      ++stats_.frames_dropped;
      ++next_index_;
      ++decision.frames_skipped;
    } else if (delay >= target + 2 * frame_ms && find(next_index_ + 1) != nullptr) {
      account_gap_before(due->sequence);
      due->index = -1;
      ++stats_.frames_dropped;
      ++next_index_;
      ++decision.frames_skipped;
    }
    delay = playout_delay_ms(now_ms);
  }

  // A live receiver's tick wakes late by a varying millisecond or few, which
  // moves the measured delay by as much. Playing from the band's lower edge,
  // that alone would make a present frame wait, inserting a concealed frame
  // into the speech; so a present frame waits only once the delay is clearly
  // below the band.
  const double wake_slack_ms = std::min(frame_ms / 4, kWakeSlackMs);
  Slot* due = find(next_index_);
  if ((due == nullptr && delay < target) ||
      (due != nullptr && delay < target - frame_ms / 2 - wake_slack_ms)) {
    ++stats_.frames_inserted;
    decision.action = PlayoutAction::insert;
    return decision;
  }
  note_delay(delay);
  decision.frame_index = next_index_;
  if (due != nullptr) {
    account_gap_before(due->sequence);
    due->index = -1;  // the payload stays in place until the slot is reused
    decision.action = PlayoutAction::play;
    decision.payload = due->payload;
    ++stats_.frames_played;
  } else if (Slot* next = config_.use_fec ? find(next_index_ + 1) : nullptr; next != nullptr) {
    decision.action = PlayoutAction::fec;
    decision.payload = next->payload;
    ++pending_recovered_;
    ++stats_.frames_fec_recovered;
  } else {
    decision.action = PlayoutAction::conceal;
    ++pending_gap_frames_;
  }
  ++next_index_;
  return decision;
}

JitterBufferStats JitterBuffer::stats() const {
  JitterBufferStats out = stats_;
  // Frames concealed since the last packet are losses until a packet says otherwise.
  out.frames_concealed += pending_gap_frames_;
  out.packets_lost = lost_in_previous_streams_ + lost_in_stream();
  out.mean_delay_ms = delay_count_ == 0 ? 0 : delay_sum_ms_ / static_cast<double>(delay_count_);
  out.jitter_ms = estimator_.jitter_ms();
  out.buffered_packets = static_cast<std::size_t>(
      std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.index >= 0; }));
  return out;
}

}  // namespace parley::media
