// The adaptive jitter buffer: holds received RTP payloads and, once per frame
// period of the receiver's clock, says what to play.
//
// Delay is measured in time, not in packets: the playout delay of frame i is
// now - (i * frame + fastest transit), how long after its earliest possible
// arrival the frame is played. The target delay is a percentile of the
// packets' relative delays (see DelayEstimator), plus half a frame; while the
// window is young, at least three times the RFC 3550 jitter. The buffer keeps the delay within
// [target - frame/2, target + 2 frames):
//  - below target, a missing frame is waited for (a concealed frame is
//    inserted and the frame stays due), and below target - frame/2 a present
//    one too;
//  - a frame above target, a missing frame is skipped (free: it would be
//    concealed); two frames above, a present one whose successor is here is
//    dropped. So sender/receiver clock skew and falling jitter never let the
//    buffer grow or drain without bound, and audio is dropped only when the
//    excess cannot wait for a gap. (No time-stretching: inserts and drops are
//    whole frames.) Playout starts once the first frame's delay reaches the
//    band's lower edge.
// Packets are placed by RTP timestamp, so reordering is absorbed; duplicates
// are recognised by sequence number; packets arriving after their frame was
// played are counted late and dropped. A missing frame whose successor is here
// is rebuilt from the successor's in-band FEC when use_fec is set.
#pragma once

#include <bitset>
#include <cstdint>
#include <span>
#include <vector>

#include "media/delay_estimator.hpp"
#include "media/media_clock.hpp"
#include "media/rtp_packet.hpp"
#include "media/rtp_unwrap.hpp"

namespace parley::media {

struct JitterBufferConfig {
  std::uint32_t rtp_clock_rate_hz = 48000;
  std::uint32_t frame_duration_ms = 20;  // the audio in one packet (ptime)
  double min_delay_ms = 0;
  double max_delay_ms = 500;  // also bounds memory: packets further ahead are refused
  // Until enough packets were seen to estimate: start low and let late
  // packets raise it (waiting costs an inserted frame; starting high costs
  // latency, or a dropped frame once a lower estimate comes in).
  double initial_delay_ms = 20;
  double delay_percentile = 0.95;  // of relative delays to wait for
  bool use_fec = false;
  // The delay FEC needs: frame N is rebuilt from packet N+1, which must be here
  // when N is due (the receive path sets 1.5 frames). It is a floor only from
  // the first packet found lost: until then FEC has nothing to rebuild and the
  // floor would only add latency.
  double fec_delay_ms = 0;
  std::size_t max_payload_bytes = 4000;  // larger payloads are refused
  double transit_history_ms = 2000;      // see DelayEstimator
  std::size_t delay_window_packets = 500;
};

enum class PlayoutAction {
  wait,     // not started: play silence
  play,     // decode payload
  fec,      // rebuild this frame from payload (the next packet)'s FEC data
  conceal,  // the frame is lost (or late): conceal it
  insert    // conceal one extra frame to grow the delay; the due frame stays due
};

struct PlayoutDecision {
  PlayoutAction action = PlayoutAction::wait;
  // play: the frame's payload; fec: the next packet's. Valid until the next
  // call of insert() or pop_frame_due().
  std::span<const std::uint8_t> payload;
  // The stream position (in frames from the first packet) this output stands
  // for; -1 for wait and insert, which add time rather than stand for a frame.
  std::int64_t frame_index = -1;
  std::uint32_t frames_skipped = 0;  // frames dropped just before this one
};

struct JitterBufferStats {
  std::uint64_t packets_received = 0;  // distinct packets
  std::uint64_t packets_duplicate = 0;
  std::uint64_t packets_reordered = 0;  // arrived after a higher sequence number
  std::uint64_t packets_late = 0;       // arrived after their frame was due: dropped
  std::uint64_t packets_lost = 0;       // RFC 3550: expected minus received
  std::uint64_t packets_refused = 0;    // too far ahead, too large
  std::uint64_t stream_resets = 0;      // new SSRC, or timestamps that jumped
  std::uint64_t frames_played = 0;
  std::uint64_t frames_fec_recovered = 0;
  std::uint64_t frames_concealed = 0;  // lost or late
  std::uint64_t frames_dtx = 0;        // the sender sent nothing (DTX): no loss
  std::uint64_t frames_inserted = 0;   // concealed to grow the delay
  std::uint64_t frames_dropped = 0;    // skipped to shrink the delay
  double current_delay_ms = 0;
  double target_delay_ms = 0;
  double mean_delay_ms = 0;  // over frames played, recovered or concealed
  double max_delay_ms = 0;
  double jitter_ms = 0;  // RFC 3550 interarrival jitter
  std::size_t buffered_packets = 0;
};

class JitterBuffer {
 public:
  explicit JitterBuffer(const JitterBufferConfig& config);

  void insert(const RtpView& packet, MediaTime arrival);
  // What to produce for the frame period starting now.
  PlayoutDecision pop_frame_due(MediaTime now);
  [[nodiscard]] JitterBufferStats stats() const;
  [[nodiscard]] const JitterBufferConfig& config() const { return config_; }
  // Index of the next frame to be produced (for drains at the end of a stream).
  [[nodiscard]] std::int64_t next_frame_index() const { return next_index_; }
  [[nodiscard]] bool started() const { return started_; }

 private:
  struct Slot {
    std::int64_t index = -1;  // frame index held; -1: empty
    std::int64_t sequence = 0;
    std::vector<std::uint8_t> payload;
  };
  static constexpr std::size_t kSeenWindow = 1024;
  // This many packets in a row outside the buffer's reach mean the sender's
  // timestamps jumped (a restart): start the stream again.
  static constexpr int kOutOfRangeBeforeReset = 8;
  // How much below its band the delay may run before a present frame waits:
  // a quarter frame, at most this (see pop_frame_due).
  static constexpr double kWakeSlackMs = 5;

  void reset_stream(std::uint32_t ssrc);
  [[nodiscard]] std::uint64_t lost_in_stream() const;
  [[nodiscard]] std::size_t slot_of(std::int64_t index) const;
  Slot* find(std::int64_t index);
  bool already_seen(std::int64_t sequence);
  [[nodiscard]] double target_delay_ms() const;
  [[nodiscard]] double playout_delay_ms(double now_ms) const;
  void account_gap_before(std::int64_t sequence);
  void note_delay(double delay_ms);
  [[nodiscard]] bool any_buffered() const;
  [[nodiscard]] std::int64_t earliest_buffered() const;

  JitterBufferConfig config_;
  std::uint32_t timestamp_increment_;
  DelayEstimator estimator_;
  std::vector<Slot> slots_;

  bool have_stream_ = false;
  std::uint32_t ssrc_ = 0;
  RtpUnwrapper<std::uint16_t> sequence_unwrap_;
  RtpUnwrapper<std::uint32_t> timestamp_unwrap_;
  std::int64_t base_timestamp_ = 0;
  std::int64_t base_sequence_ = 0;
  std::int64_t highest_sequence_ = 0;
  std::uint64_t stream_received_ = 0;
  std::uint64_t lost_in_previous_streams_ = 0;
  std::bitset<kSeenWindow> seen_;
  int out_of_range_run_ = 0;

  bool started_ = false;
  bool fec_floor_ = false;  // a packet was lost: keep fec_delay_ms from now on
  std::int64_t next_index_ = 0;
  bool have_last_sequence_ = false;
  std::int64_t last_sequence_ = 0;
  std::uint64_t pending_gap_frames_ = 0;  // concealed since the last packet played
  std::uint64_t pending_recovered_ = 0;   // of which the missing packets were FEC'd
  std::uint64_t pending_skipped_ = 0;     // missing frames skipped rather than concealed

  JitterBufferStats stats_;
  double delay_sum_ms_ = 0;
  std::uint64_t delay_count_ = 0;
};

}  // namespace parley::media
