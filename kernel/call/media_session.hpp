// One call's media (docs/calls.md, "Media"): connectivity checks to the
// peer's candidates and through the relay, the choice of path, SRTP audio
// paced by the engine's timers, pings for the round trip, and the figures the
// call report gives. Runs on the engine's thread; the media socket is the
// engine's and only lent.
//
// Path choice: each side checks on its own. A check response from a direct
// candidate chooses "direct" at once; after direct_check (a short grace)
// without one, a response through the relay chooses "relayed". Either side
// accepts media on any path (SRTP decides what is genuine), so the two may
// even differ.
//
// Upgrade (RFC 8445's spirit: a relayed pair now, a better one when it
// works): on the relay, the direct paths (listed and learnt) are checked
// again in the background, every 500 ms backing off to 4 s, plus one
// triggered check when the peer's own direct check arrives. The first
// answered one moves the send path to direct: the audio clock, SSRC and
// sequence go on untouched, and checks stop. Nothing else moves it to a
// direct address: only an SRTCP check response we can authenticate, echoing
// the id we sent to that address, proves the peer receives there.
//
// Fall back: once moved, a ping through the relay every 10 s keeps its slot
// alive; if nothing genuine then comes from a direct address for 2.5 s (the
// pongs stop when either direction fails) while the relay still answers, the
// send path goes back to the relay and the upgrade rounds resume. At most 6
// moves per call, so a flapping path settles.
//
// Stop: stop() cancels every timer and sends nothing more after the BYE, so
// media stops at once — before the next frame deadline.
//
// Relay latch: the relay forwards to and from our address only once it
// echoed a cookie (overlay/relay_header.hpp). A latch challenge for our token
// from the relay's address is answered at once, from the same socket; the
// relay checks, retried every 50 ms, get through from the next one on.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "call/call_audio.hpp"
#include "call/call_engine.hpp"
#include "call/call_signal.hpp"
#include "call/media_packets.hpp"
#include "call/media_socket.hpp"
#include "identity/handshake.hpp"
#include "identity/media_keys.hpp"
#include "media/receive_path.hpp"
#include "media/send_path.hpp"
#include "overlay/relay_header.hpp"
#include "plugin/codec_plugin.hpp"

namespace parley::call {

struct RelaySlot {
  Endpoint relay;
  overlay::RelayToken token{};
};

// One path a session checks: a peer's address, or the relay.
struct MediaPath {
  Endpoint remote;  // the peer's address, or the relay's
  bool relayed = false;
};

// Paths: the peer's candidates (at most kMaxCandidates) and the relay, plus
// addresses learnt from the peer's checks (a NAT's mapping) up to this bound,
// so a flood of checks from new sources never grows the list without end.
inline constexpr std::size_t kMaxCheckPaths = 2 * kMaxCandidates;
// Checks and pings awaiting an answer (each path every 50 ms, forgotten after 5 s).
inline constexpr std::size_t kMaxPendingChecks = 1024;

// Adds a path learnt from a check unless it is known or the list is full;
// true when added.
bool learn_path(std::vector<MediaPath>& paths, const MediaPath& path);

struct MediaSessionConfig {
  const plugin::PluginHost* host = nullptr;
  std::vector<Endpoint> peer_candidates;
  std::optional<RelaySlot> relay;
  bool force_relay = false;
  std::chrono::milliseconds direct_check{200};
  std::chrono::milliseconds media_silence{10'000};
  std::uint32_t frame_ms = 20;
  AudioEndpoints audio;
};

struct MediaSessionEvents {
  std::function<void(const std::string& line)> event;
  std::function<void()> active;       // a path is chosen; audio runs
  std::function<void()> first_media;  // the first genuine RTP packet arrived
  // The session ended itself: the peer's BYE, silence. The engine then ends the call.
  std::function<void(const std::string& outcome, const std::string& reason)> ended;
};

class MediaSession {
 public:
  // Throws std::runtime_error when the negotiated codec or cipher is not
  // loaded here or audio files do not open.
  MediaSession(boost::asio::io_context& io, MediaSocket& socket, MediaSessionConfig config,
               const identity::HandshakeResult& handshake, MediaSessionEvents events);
  ~MediaSession();
  MediaSession(const MediaSession&) = delete;
  MediaSession& operator=(const MediaSession&) = delete;

  // Connectivity checks begin.
  void start();
  // A datagram from the socket that is not STUN.
  void on_datagram(std::span<std::uint8_t> datagram, const Endpoint& from);
  // Stops at once: timers, audio, sending. send_bye: one SRTCP BYE on the path first.
  void stop(bool send_bye);

  [[nodiscard]] bool chosen() const { return path_.has_value(); }
  void fill_report(CallReport& report) const;

 private:
  using Path = MediaPath;
  using SteadyClock = std::chrono::steady_clock;
  struct PendingCheck {
    Path path;
    SteadyClock::time_point sent;
    bool ping = false;
  };

  void send_checks();
  void send_upgrade_checks();
  // A check request, or with ping a ping, remembered in pending_ for its answer.
  void probe(const Path& path, SteadyClock::time_point now, bool ping = false);
  void forget_old_checks(SteadyClock::time_point now);
  void arm_upgrade_checks(SteadyClock::time_point now);
  void upgrade(const Path& direct);
  [[nodiscard]] bool should_fall_back(SteadyClock::time_point now) const;
  void fall_back(SteadyClock::time_point now);
  [[nodiscard]] std::int64_t path_ms(SteadyClock::time_point now) const;
  void heard_on(const Path& path);  // a genuine datagram: last_received_ and its path's time
  void send_control(const Path& path, const ControlPacket& packet);
  void send_protected(const Path& path, std::span<std::uint8_t> buffer, std::size_t size,
                      bool rtcp);
  void send_datagram(const Path& path, std::span<const std::uint8_t> packet);
  void on_control(const ControlPacket& packet, const Path& from);
  void on_relay_datagram(std::span<const std::uint8_t> datagram);
  void on_rtp(std::span<const std::uint8_t> packet, std::size_t wire_bytes);
  void choose(const Path& path);
  void audio_tick();
  void process_frame();
  void ping();
  void check_silence();
  ControlId random_id();
  template <typename Handler>
  void arm(boost::asio::steady_timer& timer, std::chrono::steady_clock::time_point at,
           Handler handler);

  MediaSocket& socket_;
  MediaSessionConfig config_;
  MediaSessionEvents events_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  // Negotiated parts.
  std::string codec_name_;
  std::string cipher_name_;
  std::string safety_number_;
  std::optional<identity::MediaKeys> keys_;
  std::optional<plugin::CodecPlugin> codec_;
  parley_codec_params codec_params_{};
  CallAudio audio_;
  std::optional<media::SendPath> send_path_;
  std::optional<media::ReceivePath> receive_path_;
  std::size_t source_frame_samples_ = 0;
  std::vector<std::int16_t> source_frame_;
  std::vector<std::uint8_t> scratch_;

  // Checks and path.
  std::vector<Path> candidates_;
  std::map<ControlId, PendingCheck> pending_;
  std::chrono::steady_clock::time_point checks_started_;
  std::optional<Path> path_;
  boost::asio::steady_timer check_timer_;  // the checks, then (relayed) the upgrade checks
  std::chrono::milliseconds upgrade_interval_{0};
  SteadyClock::time_point last_triggered_check_;
  boost::asio::steady_timer direct_timer_;
  boost::asio::steady_timer ping_timer_;
  boost::asio::steady_timer silence_timer_;
  boost::asio::steady_timer audio_timer_;

  // Pacing.
  std::chrono::steady_clock::time_point audio_start_;
  std::int64_t frame_index_ = 0;

  // Figures.
  std::chrono::steady_clock::time_point media_started_;
  std::chrono::steady_clock::time_point media_stopped_;
  std::chrono::steady_clock::time_point last_received_;
  std::optional<SteadyClock::time_point> upgraded_at_;  // the first relayed -> direct
  SteadyClock::time_point path_since_;                  // the current path was taken
  SteadyClock::time_point last_direct_heard_;           // a genuine datagram from a direct address
  SteadyClock::time_point last_relay_heard_;            // ... through the relay
  int pings_since_relay_ = 0;
  std::uint32_t path_switches_ = 0;
  std::uint64_t latch_challenges_answered_ = 0;
  std::uint64_t packets_sent_ = 0;
  std::uint64_t wire_bytes_out_ = 0;
  std::uint64_t packets_received_ = 0;
  std::uint64_t wire_bytes_in_ = 0;
  std::vector<double> rtt_samples_ms_;
  std::int64_t capture_start_ns_ = 0;
  std::int64_t playback_start_ns_ = 0;
  std::uint32_t bitrate_bps_ = 0;
  std::uint32_t ssrc_ = 0;
  bool stopped_ = false;
  bool relay_answered_ = false;
  bool media_received_ = false;
};

}  // namespace parley::call
