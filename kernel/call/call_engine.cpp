#include "call/call_engine.hpp"

#include <openssl/rand.h>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <stdexcept>

#include "call/call_engine_state.hpp"
#include "call/local_candidates.hpp"

namespace parley::call {
namespace {

std::string kbit_text(std::uint32_t bps) {
  return std::to_string((bps + 500) / 1000) + " kbit/s";
}

}  // namespace

std::string_view state_name(CallState state) {
  switch (state) {
    case CallState::idle: return "idle";
    case CallState::looking_up: return "looking_up";
    case CallState::inviting: return "inviting";
    case CallState::ringing: return "ringing";
    case CallState::connecting: return "connecting";
    case CallState::active: return "active";
  }
  return "?";
}

void CallEngine::State::start() {
  std::weak_ptr<State> weak = shared_from_this();
  socket.on_datagram([weak](std::span<std::uint8_t> datagram, const Endpoint& from) {
    if (auto self = weak.lock()) self->on_datagram(datagram, from);
  });
  link->on_call_route([weak](const overlay::CallRoute& route) {
    if (auto self = weak.lock()) self->on_route(route);
  });
  link->on_call_route_failed([weak](const overlay::CallRouteFailed& failed) {
    if (auto self = weak.lock()) self->on_route_failed(failed);
  });
  link->on_relay_offer([weak](const overlay::RelayOffer& offer) {
    if (auto self = weak.lock()) self->on_relay_offer(offer);
  });
  request_reflexive();
}

std::vector<std::string> CallEngine::State::candidates() const {
  auto all = host_addresses;
  if (reflexive) {
    const auto text = candidate_text(*reflexive);
    if (std::find(all.begin(), all.end(), text) == all.end()) all.push_back(text);
  }
  if (all.size() > kMaxCandidates) all.resize(kMaxCandidates);
  return all;
}

// The reflexive address is what the peer reaches through our NAT: learnt by a
// STUN Binding from the media socket itself to the super node's UDP port.
// Asked at start, before each call, and again every 30 s while the answer
// has not come (the super node may not be attached yet).
void CallEngine::State::request_reflexive() {
  if (const auto stun = link->super_node_udp()) {
    if (RAND_bytes(stun_id.data(), static_cast<int>(stun_id.size())) == 1) {
      socket.send_to(*stun, overlay::make_binding_request(stun_id));
    }
  }
  if (reflexive) return;
  stun_timer.expires_after(std::chrono::seconds(30));
  std::weak_ptr<State> weak = shared_from_this();
  stun_timer.async_wait([weak](const boost::system::error_code& error) {
    if (auto self = weak.lock(); self && !error) self->request_reflexive();
  });
}

void CallEngine::State::on_datagram(std::span<std::uint8_t> datagram, const Endpoint& from) {
  if (classify_datagram(datagram) == DatagramKind::stun) {
    if (auto mapped = overlay::read_binding_success(datagram, stun_id)) {
      if (!reflexive || *reflexive != *mapped)
        event("media address seen from outside: " + candidate_text(*mapped));
      reflexive = *mapped;
    }
    return;
  }
  if (call && call->media) call->media->on_datagram(datagram, from);
}

// --- media ----------------------------------------------------------------------

void CallEngine::State::start_media() {
  const auto result = call->handshake->take_result();
  MediaSessionConfig config;
  config.host = options.host;
  for (const auto& text : call->peer_candidates) {
    if (auto candidate = parse_candidate(text)) config.peer_candidates.push_back(*candidate);
  }
  config.relay = call->relay;
  config.force_relay = options.force_relay;
  config.direct_check = options.timeouts.direct_check;
  config.media_silence = options.timeouts.media_silence;
  config.frame_ms = options.frame_ms;
  config.audio = options.audio;
  if (config.force_relay && !config.relay) {
    finish("failed", "relay forced but the super node granted no relay slot");
    return;
  }
  MediaSessionEvents events;
  std::weak_ptr<State> weak = shared_from_this();
  const auto id = call->id;
  const auto current = [weak, id]() -> std::shared_ptr<State> {
    auto self = weak.lock();
    return self && self->call && self->call->id == id ? self : nullptr;
  };
  events.event = [current](const std::string& line) {
    if (auto self = current()) self->event(line);
  };
  events.first_media = [current] {
    auto self = current();
    if (!self) return;
    auto& running = *self->call;
    running.setup_ms =
        std::chrono::duration<double, std::milli>(SteadyClock::now() - running.setup_started)
            .count();
    ++running.timer_generation;  // the connect deadline is met
    running.timer.cancel();
    if (self->options.max_call_seconds > 0) {
      self->arm_step(std::chrono::seconds(self->options.max_call_seconds),
                     [raw = self.get()] { raw->hang_up("call time limit reached", true); });
    }
  };
  events.active = [current] {
    auto self = current();
    if (!self) return;
    self->call->state = CallState::active;
    CallReport figures;
    self->call->media->fill_report(figures);
    self->event("active: " + figures.path + " " + figures.remote_media + " " + figures.codec + " " +
                kbit_text(figures.codec_bitrate_bps) + " " + figures.cipher + ", safety number " +
                figures.safety_number);
  };
  events.ended = [current](const std::string& outcome, const std::string& reason) {
    if (auto self = current()) {
      self->call->media->stop(false);
      self->finish(outcome, reason);
    }
  };
  try {
    call->media =
        std::make_unique<MediaSession>(io, socket, std::move(config), result, std::move(events));
  } catch (const std::exception& error) {
    hang_up_and_finish("media could not start", "failed", std::string("media: ") + error.what());
    return;
  }
  call->media->start();
  if (call->outgoing) {
    arm_step(options.timeouts.connect,
             [this] { hang_up("no media path to " + call->peer, false); });
  }
}

// --- commands -------------------------------------------------------------------

void CallEngine::State::answer() {
  if (!call || call->outgoing || call->state != CallState::ringing) return;
  CallMessage accept;
  accept.mutable_accept()->set_handshake_reply(call->reply.data(), call->reply.size());
  for (const auto& candidate : candidates()) accept.mutable_accept()->add_candidates(candidate);
  call->setup_started = SteadyClock::now();
  if (!send(*call, std::move(accept))) {
    finish("failed", "not attached to the overlay");
    return;
  }
  call->state = CallState::connecting;
  event("answered " + call->peer);
  // Until the confirm and then the first packet: a lost confirm ends here too.
  arm_step(options.timeouts.connect, [this] { hang_up("no media path to " + call->peer, false); });
}

void CallEngine::State::reject(const std::string& reason) {
  if (!call || call->outgoing || call->state != CallState::ringing) return;
  CallMessage message;
  message.mutable_reject()->set_reason(reason);
  send(*call, std::move(message));
  finish("rejected", reason);
}

// by_user false: a deadline passed (outcome "failed"), nobody hung up.
void CallEngine::State::hang_up(const std::string& reason, bool by_user) {
  if (!call) return;
  switch (call->state) {
    case CallState::idle:
    case CallState::looking_up: finish("cancelled", reason); return;
    case CallState::inviting:
    case CallState::ringing:
      if (!call->outgoing) {
        reject(reason);
        return;
      }
      cancel_and_finish("cancelled", reason);
      return;
    case CallState::connecting:
    case CallState::active: break;
  }
  // Media first: nothing more leaves after the BYE, whatever signaling does.
  if (call->media) call->media->stop(true);
  hang_up_and_finish(reason, by_user ? "completed" : "failed", reason);
}

void CallEngine::State::cancel_and_finish(const std::string& outcome, const std::string& reason) {
  CallMessage cancel;
  cancel.mutable_cancel();
  send(*call, std::move(cancel));
  finish(outcome, reason);
}

void CallEngine::State::hang_up_and_finish(const std::string& told_peer, const std::string& outcome,
                                           const std::string& reason) {
  CallMessage hangup;
  hangup.mutable_hangup()->set_reason(told_peer);
  send(*call, std::move(hangup));
  finish(outcome, reason);
}

// --- steps ----------------------------------------------------------------------

void CallEngine::State::arm_step(std::chrono::milliseconds after, std::function<void()> expired) {
  const auto generation = ++call->timer_generation;
  call->timer.expires_after(after);
  call->timer.async_wait([weak = weak_from_this(), id = call->id, generation,
                          expired = std::move(expired)](const boost::system::error_code& error) {
    auto self = weak.lock();
    if (error || !self || !self->call || self->call->id != id ||
        self->call->timer_generation != generation) {
      return;
    }
    expired();
  });
}

CallReport CallEngine::State::report_of(const Call& current) const {
  CallReport report;
  report.call_id = current.id;
  report.peer = current.peer;
  report.direction = current.outgoing ? "outgoing" : "incoming";
  report.setup_ms = current.setup_ms;
  if (current.media) current.media->fill_report(report);
  return report;
}

void CallEngine::State::finish(const std::string& outcome, const std::string& reason, bool notify) {
  if (!call) return;
  auto ended = std::move(call);
  ++ended->timer_generation;
  ended->timer.cancel();
  if (ended->media) ended->media->stop(false);
  auto report = report_of(*ended);
  report.outcome = outcome;
  report.end_reason = reason;
  // The session may be what called us: it goes once its handler has returned.
  boost::asio::post(io, [retired = std::shared_ptr<Call>(std::move(ended))] {});
  event("ended: " + outcome + " (" + reason + ")");
  if (notify && on_ended) on_ended(report);
}

// --- CallEngine -----------------------------------------------------------------

CallEngine::CallEngine(boost::asio::io_context& io, std::shared_ptr<SignalingLink> link,
                       CallEngineOptions options, EventHandler on_event, EndedHandler on_ended) {
  if (options.host == nullptr) throw std::runtime_error("a call engine needs a plugin host");
  if (!options.user.identity_key || options.user.certificate.empty() ||
      options.user.user_id.empty()) {
    throw std::runtime_error("a call engine needs the user's certificate and identity key");
  }
  if (options.frame_ms == 0) throw std::runtime_error("frame_ms must be positive");
  state_ = std::make_shared<State>(io, std::move(link), std::move(options), std::move(on_event),
                                   std::move(on_ended));
  state_->start();
}

CallEngine::~CallEngine() {
  // The owner is going away: no handler of its is called from here on.
  state_->on_ended = nullptr;
  state_->on_event = nullptr;
  state_->hang_up("the client is closing", true);
}

std::string CallEngine::call(const std::string& user_id) {
  return state_->place_call(user_id);
}
void CallEngine::answer() {
  state_->answer();
}
void CallEngine::reject(const std::string& reason) {
  state_->reject(reason);
}
void CallEngine::hang_up(const std::string& reason) {
  state_->hang_up(reason, true);
}

CallState CallEngine::state() const {
  return state_->call ? state_->call->state : CallState::idle;
}
std::string CallEngine::peer() const {
  return state_->call ? state_->call->peer : std::string();
}
std::optional<CallReport> CallEngine::stats() const {
  if (!state_->call) return std::nullopt;
  return state_->report_of(*state_->call);
}
boost::asio::ip::udp::endpoint CallEngine::media_endpoint() const {
  return state_->socket.local_endpoint();
}
std::vector<std::string> CallEngine::media_candidates() const {
  return state_->candidates();
}
void CallEngine::set_certificate(std::vector<std::uint8_t> certificate) {
  state_->options.user.certificate = std::move(certificate);
}

}  // namespace parley::call
