#include "call/media_session.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

#include "call/local_candidates.hpp"
#include "media/codec_params.hpp"
#include "media/e_model.hpp"

namespace parley::call {
namespace {

using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kCheckInterval = 50ms;
// On the relay, the direct paths are checked again at this pace: gentle, and
// bounded (at most kMaxCheckPaths checks per round, never more often).
constexpr std::chrono::milliseconds kUpgradeCheckFirst = 500ms;
constexpr std::chrono::milliseconds kUpgradeCheckMax = 4s;
// After the move to direct: a ping through the relay this often keeps the
// slot from idling out (the super node frees it after 30 s without traffic)
// and tells whether the relay still answers.
constexpr int kRelayKeepalivePings = 10;  // every tenth ping (10 s)
constexpr auto kRelayAnswerMemory = 25s;  // a relay heard from within this still works
// Nothing genuine from a direct address for this long (pongs come every
// second while the direct path works both ways): back to the relay.
constexpr auto kDirectSilenceBeforeFallback = 2500ms;
// A path that keeps opening and closing is left alone after this many moves.
constexpr std::uint32_t kMaxPathSwitches = 6;
constexpr auto kPingInterval = 1s;
constexpr auto kSilenceCheckInterval = 250ms;
// Checks nobody answered are forgotten after this long (a late answer is no path).
constexpr auto kCheckMemory = 5s;
// Frames the pacing catches up on after a stall; beyond, the clock skips ahead.
constexpr int kMaxCatchUpFrames = 5;
constexpr std::uint8_t kDynamicPayloadType = 96;
constexpr std::uint32_t kOpusRateHz = 48000;
constexpr std::uint32_t kOpusBitrateBps = 32000;
// IPv4 + UDP headers, what every datagram costs on the wire beyond its payload.
constexpr std::size_t kIpUdpOverheadBytes = 20 + 8;
constexpr std::size_t kScratchBytes = 2048;

void random_fill(std::span<std::uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    throw std::runtime_error("cannot draw random bytes from OpenSSL");
  }
}

template <typename Integer>
Integer random_integer() {
  std::array<std::uint8_t, sizeof(Integer)> bytes{};
  random_fill(bytes);
  Integer value = 0;
  for (const auto byte : bytes) value = static_cast<Integer>((value << 8) | byte);
  return value;
}

plugin::CodecPlugin find_codec(const plugin::PluginHost& host, const std::string& name) {
  for (const auto& ranked : host.ranked(PARLEY_KIND_CODEC)) {
    if (ranked.offer.interface->name == name) return plugin::CodecPlugin(ranked.offer);
  }
  throw std::runtime_error("the negotiated codec '" + name + "' is not loaded here");
}

// Opus at its full band; any other codec at its highest rate up to Opus's.
std::uint32_t codec_rate(const parley_codec_info& info) {
  std::uint32_t best = info.sample_rates_hz[0];
  for (std::uint32_t i = 0; i < info.sample_rate_count; ++i) {
    if (info.sample_rates_hz[i] <= kOpusRateHz) best = info.sample_rates_hz[i];
  }
  return best;
}

std::uint8_t payload_type(const parley_codec_info& info) {
  return info.static_payload_type == PARLEY_RTP_PT_DYNAMIC
             ? kDynamicPayloadType
             : static_cast<std::uint8_t>(info.static_payload_type);
}

std::int64_t steady_ns(SteadyClock::time_point at) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count();
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

}  // namespace

bool learn_path(std::vector<MediaPath>& paths, const MediaPath& path) {
  if (paths.size() >= kMaxCheckPaths) return false;
  const bool known = std::any_of(paths.begin(), paths.end(), [&](const MediaPath& other) {
    return other.remote == path.remote;
  });
  if (known) return false;
  paths.push_back(path);
  return true;
}

MediaSession::MediaSession(boost::asio::io_context& io, MediaSocket& socket,
                           MediaSessionConfig config, const identity::HandshakeResult& handshake,
                           MediaSessionEvents events)
    : socket_(socket),
      config_(std::move(config)),
      events_(std::move(events)),
      scratch_(kScratchBytes),
      check_timer_(io),
      direct_timer_(io),
      ping_timer_(io),
      silence_timer_(io),
      audio_timer_(io) {
  const auto& host = *config_.host;
  cipher_name_ = handshake.cipher_suite;
  codec_name_ = handshake.codec;
  safety_number_ = handshake.safety_number;
  const auto cipher_offer = identity::find_cipher(host.ranked(PARLEY_KIND_CIPHER), cipher_name_);
  if (!cipher_offer) {
    throw std::runtime_error("the negotiated cipher '" + cipher_name_ + "' is not loaded here");
  }
  keys_.emplace(plugin::CipherPlugin(*cipher_offer), handshake);
  if (codec_name_.empty()) throw std::runtime_error("the handshake agreed on no codec");
  codec_.emplace(find_codec(host, codec_name_));
  const auto& info = codec_->info();

  codec_params_ = media::codec_params(codec_rate(info), 1, config_.frame_ms);
  codec_params_.fec = (info.capabilities & PARLEY_CODEC_CAP_FEC) != 0 ? 1 : 0;
  if (codec_name_ == "opus") codec_params_.bitrate_bps = kOpusBitrateBps;
  if (codec_params_.bitrate_bps != 0) {
    bitrate_bps_ = codec_params_.bitrate_bps;
  } else if (info.min_bitrate_bps != 0 && info.min_bitrate_bps == info.max_bitrate_bps) {
    bitrate_bps_ = info.min_bitrate_bps;
  }

  audio_ = open_call_audio(host, config_.audio);
  ssrc_ = random_integer<std::uint32_t>();
  media::SendPathConfig send;
  send.capture_rate_hz = audio_.source->rate_hz();
  send.codec = codec_params_;
  send.payload_type = payload_type(info);
  send.ssrc = ssrc_;
  send.first_sequence = random_integer<std::uint16_t>();
  send.first_timestamp = random_integer<std::uint32_t>();
  send_path_.emplace(*codec_, send);
  media::ReceivePathConfig receive;
  receive.playback_rate_hz = audio_.sink->rate_hz();
  receive.codec = codec_params_;
  receive.payload_type = payload_type(info);
  receive_path_.emplace(*codec_, receive);
  source_frame_samples_ = std::size_t{audio_.source->rate_hz()} * config_.frame_ms / 1000;
  source_frame_.resize(source_frame_samples_);

  if (!config_.force_relay) {
    for (const auto& candidate : config_.peer_candidates) candidates_.push_back({candidate, false});
  }
  if (config_.relay) candidates_.push_back({config_.relay->relay, true});
}

MediaSession::~MediaSession() {
  *alive_ = false;
}

template <typename Handler>
void MediaSession::arm(boost::asio::steady_timer& timer, SteadyClock::time_point at,
                       Handler handler) {
  timer.expires_at(at);
  timer.async_wait([this, alive = alive_, handler](const boost::system::error_code& error) {
    if (error || !*alive || stopped_) return;
    handler();
  });
}

void MediaSession::start() {
  for (const auto& warning : audio_.warnings) events_.event("warning: " + warning);
  checks_started_ = SteadyClock::now();
  if (candidates_.empty()) {
    events_.event("no media candidates to check: waiting for the peer's checks");
  }
  send_checks();
  arm(direct_timer_, checks_started_ + config_.direct_check, [this] {
    if (!path_ && relay_answered_) choose({config_.relay->relay, true});
  });
}

ControlId MediaSession::random_id() {
  ControlId id{};
  random_fill(id);
  return id;
}

void MediaSession::forget_old_checks(SteadyClock::time_point now) {
  std::erase_if(pending_,
                [&](const auto& entry) { return now - entry.second.sent > kCheckMemory; });
}

void MediaSession::probe(const Path& path, SteadyClock::time_point now, bool ping) {
  if (pending_.size() >= kMaxPendingChecks) return;  // the next round, once old ones expire
  const auto id = random_id();
  pending_[id] = {path, now, ping};
  send_control(path, {ping ? ControlKind::ping : ControlKind::check_request, ssrc_, id});
}

void MediaSession::send_checks() {
  const auto now = SteadyClock::now();
  forget_old_checks(now);
  for (const auto& candidate : candidates_) probe(candidate, now);
  arm(check_timer_, now + kCheckInterval, [this] {
    if (!path_) send_checks();
  });
}

// On the relay: the direct paths again, each round further apart.
void MediaSession::send_upgrade_checks() {
  const auto now = SteadyClock::now();
  forget_old_checks(now);
  for (const auto& candidate : candidates_) {
    if (!candidate.relayed) probe(candidate, now);
  }
  upgrade_interval_ = std::min(upgrade_interval_ * 2, kUpgradeCheckMax);
  arm_upgrade_checks(now);
}

void MediaSession::send_datagram(const Path& path, std::span<const std::uint8_t> packet) {
  if (!path.relayed) {
    socket_.send_to(path.remote, packet);
    return;
  }
  std::array<std::uint8_t, overlay::kRelayHeaderBytes + kScratchBytes> framed{};
  if (packet.size() > overlay::kMaxRelayPayloadBytes) return;  // never sent: too big to relay
  overlay::write_relay_header(config_.relay->token,
                              std::span(framed).first<overlay::kRelayHeaderBytes>());
  std::copy(packet.begin(), packet.end(), framed.begin() + overlay::kRelayHeaderBytes);
  socket_.send_to(path.remote,
                  std::span(framed.data(), overlay::kRelayHeaderBytes + packet.size()));
}

void MediaSession::send_protected(const Path& path, std::span<std::uint8_t> buffer,
                                  std::size_t size, bool rtcp) {
  const auto result = rtcp ? keys_->protect_rtcp(buffer, size) : keys_->protect_rtp(buffer, size);
  if (!result.ok()) return;  // the plugin refused (key worn out): the frame is lost
  send_datagram(path, std::span(buffer.data(), result.size));
  if (!rtcp) {
    ++packets_sent_;
    wire_bytes_out_ += kIpUdpOverheadBytes + result.size +
                       (path.relayed ? overlay::kRelayHeaderBytes : std::size_t{0});
  }
}

void MediaSession::send_control(const Path& path, const ControlPacket& packet) {
  std::array<std::uint8_t, 128> buffer{};
  const auto plain = write_control(packet);
  std::copy(plain.begin(), plain.end(), buffer.begin());
  send_protected(path, buffer, plain.size(), true);
}

void MediaSession::on_datagram(std::span<std::uint8_t> datagram, const Endpoint& from) {
  if (stopped_) return;
  const bool relayed = config_.relay && from == config_.relay->relay;
  const Path path{from, relayed};
  if (relayed && overlay::looks_like_relay(datagram)) {
    on_relay_datagram(datagram);
    return;
  }
  switch (classify_datagram(datagram)) {
    case DatagramKind::rtp: {
      const auto opened = keys_->unprotect_rtp(datagram);
      if (!opened.ok()) return;  // forged, replayed, another call's: counted by the keys
      heard_on(path);
      on_rtp(datagram.first(opened.size), datagram.size() + kIpUdpOverheadBytes);
      return;
    }
    case DatagramKind::rtcp: {
      const auto opened = keys_->unprotect_rtcp(datagram);
      if (!opened.ok()) return;
      heard_on(path);
      if (const auto control = read_control(datagram.first(opened.size)))
        on_control(*control, path);
      return;
    }
    case DatagramKind::stun:
    case DatagramKind::other: return;
  }
}

void MediaSession::heard_on(const Path& path) {
  last_received_ = SteadyClock::now();
  (path.relayed ? last_relay_heard_ : last_direct_heard_) = last_received_;
}

// Only the relay's address reaches here. A challenge for another token is
// not ours to answer (nor anything else the relay might say).
void MediaSession::on_relay_datagram(std::span<const std::uint8_t> datagram) {
  const auto parsed = overlay::parse_relay_datagram(datagram);
  if (!parsed || parsed->kind != overlay::RelayKind::latch_challenge ||
      parsed->token != config_.relay->token) {
    return;
  }
  overlay::RelayCookie cookie{};
  std::copy(parsed->payload.begin(), parsed->payload.end(), cookie.begin());
  const auto response =
      overlay::make_latch_datagram(overlay::RelayKind::latch_response, parsed->token, cookie);
  socket_.send_to(config_.relay->relay, response);
  if (latch_challenges_answered_++ == 0) events_.event("relay latch challenge answered");
}

void MediaSession::on_rtp(std::span<const std::uint8_t> packet, std::size_t wire_bytes) {
  const auto now = SteadyClock::now();
  ++packets_received_;
  wire_bytes_in_ += wire_bytes;
  receive_path_->push_packet(packet, media::MediaTime(steady_ns(now)));
  if (!media_received_) {
    media_received_ = true;
    if (events_.first_media) events_.first_media();
  }
}

void MediaSession::on_control(const ControlPacket& packet, const Path& from) {
  const auto now = SteadyClock::now();
  switch (packet.kind) {
    case ControlKind::check_request:
      // The address it came from may be none the peer knew (a NAT's mapping): a candidate too.
      if (!from.relayed && !config_.force_relay) learn_path(candidates_, from);
      send_control(from, {ControlKind::check_response, ssrc_, packet.id});
      // On the relay, the peer's direct check says the way may be open now:
      // check back at once (a triggered check, at most one per check interval)
      // rather than at the next, possibly seconds-away, upgrade round.
      if (path_ && path_->relayed && !from.relayed && !config_.force_relay &&
          now - last_triggered_check_ >= kCheckInterval) {
        last_triggered_check_ = now;
        forget_old_checks(now);
        probe(from, now);
      }
      return;
    case ControlKind::ping: send_control(from, {ControlKind::pong, ssrc_, packet.id}); return;
    case ControlKind::check_response:
    case ControlKind::pong: {
      const auto found = pending_.find(packet.id);
      if (found == pending_.end()) return;  // not ours, or answered already
      const auto pending = found->second;
      pending_.erase(found);
      if (pending.ping) {
        // A keep-alive through the relay says nothing of the path in use.
        if (path_ && pending.path.relayed == path_->relayed) {
          rtt_samples_ms_.push_back(
              std::chrono::duration<double, std::milli>(now - pending.sent).count());
        }
        return;
      }
      if (path_) {
        if (path_->relayed && !pending.path.relayed && path_switches_ < kMaxPathSwitches) {
          upgrade(pending.path);
        }
        return;
      }
      if (!pending.path.relayed) {
        choose(pending.path);
      } else {
        relay_answered_ = true;
        if (config_.force_relay || now >= checks_started_ + config_.direct_check) {
          choose(pending.path);
        }
      }
      return;
    }
    case ControlKind::bye:
      if (events_.ended) events_.ended("completed", "the peer hung up (BYE)");
      return;
  }
}

void MediaSession::choose(const Path& path) {
  path_ = path;
  check_timer_.cancel();
  direct_timer_.cancel();
  const auto now = SteadyClock::now();
  media_started_ = now;
  path_since_ = now;
  last_received_ = now;
  audio_start_ = now;
  frame_index_ = 0;
  if (events_.active) events_.active();
  if (stopped_) return;
  audio_tick();
  arm(ping_timer_, now + kPingInterval, [this] { ping(); });
  arm(silence_timer_, now + kSilenceCheckInterval, [this] { check_silence(); });
  if (path.relayed && !config_.force_relay) {
    upgrade_interval_ = kUpgradeCheckFirst;  // then doubled after each round, up to the max
    arm_upgrade_checks(now);
  }
}

void MediaSession::arm_upgrade_checks(SteadyClock::time_point now) {
  arm(check_timer_, now + upgrade_interval_, [this] {
    if (path_ && path_->relayed) send_upgrade_checks();
  });
}

// Only the send path moves: the audio clock, the SSRC, the sequence and the
// timestamps go on as they were, so the peer's jitter buffer sees one stream
// that merely arrives sooner. The ping follows *path_, so the RTT becomes the
// direct one. The relay slot is left to expire on its own (idle timeout).
void MediaSession::upgrade(const Path& direct) {
  const auto now = SteadyClock::now();
  path_ = direct;
  ++path_switches_;
  if (!upgraded_at_) upgraded_at_ = now;
  path_since_ = now;
  check_timer_.cancel();
  events_.event("path: relayed -> direct " + candidate_text(direct.remote) + " after " +
                std::to_string(path_ms(now)) + " ms on the relay");
}

// On a direct path we moved to from the relay (so the relay worked for this
// call, and its keep-alives since say it still does): when nothing genuine
// has come from a direct address for a while, the direct way closed (in at
// least one direction: the peer's pongs stop either way). Back to the relay,
// where the peer will follow for the same reason; upgrade rounds resume at
// the pace they had reached. Safe: the relay is the slot our super node
// granted, and the peer accepts media on any path.
bool MediaSession::should_fall_back(SteadyClock::time_point now) const {
  return path_ && !path_->relayed && upgraded_at_ && config_.relay &&
         path_switches_ < kMaxPathSwitches &&
         now - last_direct_heard_ > kDirectSilenceBeforeFallback &&
         now - last_relay_heard_ < kRelayAnswerMemory;
}

void MediaSession::fall_back(SteadyClock::time_point now) {
  const auto silent_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now - last_direct_heard_).count();
  events_.event("path: direct -> relayed after " + std::to_string(path_ms(now)) +
                " ms on the direct path (nothing from it for " + std::to_string(silent_ms) +
                " ms)");
  path_ = Path{config_.relay->relay, true};
  ++path_switches_;
  path_since_ = now;
  if (path_switches_ < kMaxPathSwitches) arm_upgrade_checks(now);
}

std::int64_t MediaSession::path_ms(SteadyClock::time_point now) const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - path_since_).count();
}

void MediaSession::ping() {
  const auto now = SteadyClock::now();
  forget_old_checks(now);
  probe(*path_, now, true);
  // Moved off the relay: keep its slot alive for a fall back.
  if (!path_->relayed && upgraded_at_ && ++pings_since_relay_ >= kRelayKeepalivePings) {
    pings_since_relay_ = 0;
    probe({config_.relay->relay, true}, now, true);
  }
  arm(ping_timer_, now + kPingInterval, [this] { ping(); });
}

void MediaSession::check_silence() {
  const auto now = SteadyClock::now();
  if (should_fall_back(now)) fall_back(now);
  if (now - last_received_ > config_.media_silence) {
    if (events_.ended) {
      const auto silence_ms = config_.media_silence.count();
      events_.ended("failed", "nothing heard from the peer for " +
                                  (silence_ms % 1000 == 0 ? std::to_string(silence_ms / 1000) + " s"
                                                          : std::to_string(silence_ms) + " ms"));
    }
    return;
  }
  arm(silence_timer_, now + kSilenceCheckInterval, [this] { check_silence(); });
}

void MediaSession::audio_tick() {
  const auto frame = std::chrono::milliseconds(config_.frame_ms);
  const auto now = SteadyClock::now();
  int processed = 0;
  while (audio_start_ + frame * frame_index_ <= now) {
    if (processed == kMaxCatchUpFrames) {
      // A long stall: start counting again from the frame due now, never drifting.
      frame_index_ = (now - audio_start_) / frame + 1;
      break;
    }
    process_frame();
    if (stopped_) return;
    ++frame_index_;
    ++processed;
  }
  arm(audio_timer_, audio_start_ + frame * frame_index_, [this] { audio_tick(); });
}

void MediaSession::process_frame() {
  const auto now = SteadyClock::now();
  try {
    audio_.source->read_frame(source_frame_);
    if (capture_start_ns_ == 0) capture_start_ns_ = steady_ns(now);
    send_path_->push_capture(source_frame_, [this](std::span<const std::uint8_t> packet) {
      if (stopped_ || packet.size() + keys_->cipher().rtp_overhead() > scratch_.size()) return;
      std::copy(packet.begin(), packet.end(), scratch_.begin());
      send_protected(*path_, scratch_, packet.size(), false);
    });
    const auto played = receive_path_->pull_frame(media::MediaTime(steady_ns(now)));
    if (playback_start_ns_ == 0 &&
        receive_path_->last_decision().action != media::PlayoutAction::wait) {
      playback_start_ns_ = steady_ns(now);
    }
    audio_.sink->write_frame(played);
  } catch (const std::exception& error) {
    if (events_.ended) events_.ended("failed", std::string("audio: ") + error.what());
  }
}

void MediaSession::stop(bool send_bye) {
  if (stopped_) return;
  if (send_bye && path_) send_control(*path_, {ControlKind::bye, ssrc_, {}});
  stopped_ = true;
  media_stopped_ = SteadyClock::now();
  check_timer_.cancel();
  direct_timer_.cancel();
  ping_timer_.cancel();
  silence_timer_.cancel();
  audio_timer_.cancel();
}

void MediaSession::fill_report(CallReport& report) const {
  report.codec = codec_name_;
  report.cipher = cipher_name_;
  report.safety_number = safety_number_;
  report.recording = audio_.recording;
  report.capture_start_ns = capture_start_ns_;
  report.playback_start_ns = playback_start_ns_;
  report.packets_sent = packets_sent_;
  report.packets_received = packets_received_;
  report.auth_failures = keys_->counters().authentication_failures;
  if (!path_) return;
  report.path = path_->relayed ? "relayed" : "direct";
  const auto& remote = path_->remote;
  report.remote_media = remote.address().to_string() + ":" + std::to_string(remote.port());
  report.path_switches = path_switches_;
  if (upgraded_at_) {
    report.upgraded_after_ms =
        std::chrono::duration<double, std::milli>(*upgraded_at_ - media_started_).count();
  }
  const auto end = stopped_ ? media_stopped_ : SteadyClock::now();
  report.duration_s = std::chrono::duration<double>(end - media_started_).count();
  const auto send_stats = send_path_->stats();
  report.codec_bitrate_bps = bitrate_bps_;
  if (report.codec_bitrate_bps == 0 && report.duration_s > 0) {
    report.codec_bitrate_bps = static_cast<std::uint32_t>(
        static_cast<double>(send_stats.payload_bytes) * 8 / report.duration_s);
  }
  if (report.duration_s > 0) {
    report.wire_bytes_per_s_out = static_cast<double>(wire_bytes_out_) / report.duration_s;
    report.wire_bytes_per_s_in = static_cast<double>(wire_bytes_in_) / report.duration_s;
  }
  const auto jitter = receive_path_->stats().jitter;
  report.packets_lost = jitter.packets_lost;
  const auto expected = jitter.packets_received + jitter.packets_lost;
  report.loss_pct = expected > 0 ? 100.0 * static_cast<double>(jitter.packets_lost) /
                                       static_cast<double>(expected)
                                 : 0;
  report.jitter_ms = jitter.jitter_ms;
  report.concealed_frames = jitter.frames_concealed;
  report.rtt_ms = median(rtt_samples_ms_);
  const auto& encoding = codec_->info().rtp_encoding_name;
  const auto impairment = media::codec_impairment(
      codec_name_, std::string_view(encoding.data, encoding.size), /*has_concealment=*/true);
  media::EModelInput input;
  input.one_way_delay_ms = report.rtt_ms / 2 + jitter.mean_delay_ms;
  input.ie = impairment.ie;
  input.bpl = impairment.bpl;
  input.packet_loss_pct = report.loss_pct;
  report.mos = media::e_model(input).mos;
}

}  // namespace parley::call
