#include "call/call_engine.hpp"

#include <openssl/rand.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <stdexcept>

#include "call/call_id.hpp"
#include "call/call_signal.hpp"
#include "call/local_candidates.hpp"
#include "call/media_session.hpp"
#include "call/media_socket.hpp"
#include "identity/handshake.hpp"
#include "identity/media_keys.hpp"
#include "overlay/stun_binding.hpp"
#include "plugin/codec_plugin.hpp"

namespace parley::call {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::uint64_t unix_ms_now() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        identity::Clock::now().time_since_epoch())
                                        .count());
}

// The codecs to offer: the host's ranking, each usable at the call's frame length.
std::vector<std::string> offered_codecs(const plugin::PluginHost& host, std::uint32_t frame_ms) {
  std::vector<std::string> names;
  for (const auto& ranked : host.ranked(PARLEY_KIND_CODEC)) {
    const plugin::CodecPlugin codec(ranked.offer);
    const auto& info = codec.info();
    const bool frame_ok =
        std::any_of(info.frame_durations_ms, info.frame_durations_ms + info.frame_duration_count,
                    [&](std::uint32_t ms) { return ms == frame_ms; });
    const auto& name = ranked.offer.interface->name;
    if (frame_ok && std::find(names.begin(), names.end(), name) == names.end() &&
        names.size() < identity::kMaxCodecs) {
      names.push_back(name);
    }
  }
  return names;
}

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

// One call attempt, from the first message to the report.
struct Call {
  explicit Call(boost::asio::io_context& io) : timer(io) {}
  std::string id;
  std::string peer;
  bool outgoing = true;
  CallState state = CallState::idle;
  std::uint64_t next_sequence = 1;
  std::string peer_super_node;  // where the peer is attached: where our messages go
  std::string peer_super_node_key;
  std::optional<identity::Handshake> handshake;
  std::vector<std::uint8_t> reply;  // callee: the handshake reply, sent on answer()
  std::vector<std::string> peer_candidates;
  std::optional<RelaySlot> relay;
  std::unique_ptr<MediaSession> media;
  boost::asio::steady_timer timer;
  std::uint64_t timer_generation = 0;
  SteadyClock::time_point setup_started;  // invite sent (caller), accept sent (callee)
  double setup_ms = 0;
};

struct CallEngine::State : std::enable_shared_from_this<State> {
  State(boost::asio::io_context& io_context, std::shared_ptr<SignalingLink> signaling,
        CallEngineOptions engine_options, EventHandler event_handler, EndedHandler ended_handler)
      : io(io_context),
        link(std::move(signaling)),
        options(std::move(engine_options)),
        on_event(std::move(event_handler)),
        on_ended(std::move(ended_handler)),
        socket(io, *options.host, options.media_bind_address),
        stun_timer(io) {
    for (const auto& candidate : host_candidates(socket.local_endpoint())) {
      host_addresses.push_back(candidate_text(candidate));
    }
  }

  void start();
  void event(const std::string& line) const {
    if (on_event) on_event(line);
  }
  [[nodiscard]] std::vector<std::string> candidates() const;
  void request_reflexive();

  // Outgoing.
  std::string place_call(const std::string& user);
  void on_found(const std::string& call_id, std::vector<overlay::FoundUser> found,
                const std::string& error);
  bool send(Call& call, CallMessage message);
  void send_stray_reply(const overlay::CallRoute& route, const CallMessage& to, CallMessage reply);

  // Incoming.
  void on_route(const overlay::CallRoute& route);
  void on_invite(const overlay::CallRoute& route, const CallMessage& message);
  void on_ringing();
  void on_accept(const CallMessage& message);
  void on_confirm(const CallMessage& message);
  void on_route_failed(const overlay::CallRouteFailed& failed);
  void on_relay_offer(const overlay::RelayOffer& offer);
  void on_datagram(std::span<std::uint8_t> datagram, const Endpoint& from);

  // Commands.
  void answer();
  void reject(const std::string& reason);
  void hang_up(const std::string& reason, bool notify);

  // Steps.
  void start_media();
  void arm_step(std::chrono::milliseconds after, std::function<void()> expired);
  void finish(const std::string& outcome, const std::string& reason, bool notify = true);
  [[nodiscard]] CallReport report_of(const Call& current) const;

  boost::asio::io_context& io;
  std::shared_ptr<SignalingLink> link;
  CallEngineOptions options;
  EventHandler on_event;
  EndedHandler on_ended;
  identity::ReplayGuard replay_guard;
  SequenceGuard sequences;
  MediaSocket socket;
  std::vector<std::string> host_addresses;
  std::optional<Endpoint> reflexive;
  overlay::StunTransactionId stun_id{};
  boost::asio::steady_timer stun_timer;
  std::unique_ptr<Call> call;
};

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

// --- sending ------------------------------------------------------------------

bool CallEngine::State::send(Call& current, CallMessage message) {
  message.set_call_id(current.id);
  message.set_from_user(options.user.user_id);
  message.set_to_user(current.peer);
  message.set_sequence(current.next_sequence++);
  message.set_sent_at_ms(unix_ms_now());
  overlay::CallRoute route;
  route.set_call_id(current.id);
  route.set_kind(signal_kind(message));
  route.set_to_user(current.peer);
  route.set_to_super_node(current.peer_super_node);
  route.set_to_super_node_key(current.peer_super_node_key);
  const auto payload =
      sign_call_message(message, *options.user.identity_key, options.user.certificate);
  route.set_payload(payload.data(), payload.size());
  if (link->send_call_route(route)) return true;
  event("could not send " + std::string(body_name(message)) + ": not attached to the overlay");
  return false;
}

// Busy (or a refused handshake) for an invite that makes no call here.
void CallEngine::State::send_stray_reply(const overlay::CallRoute& route, const CallMessage& to,
                                         CallMessage reply) {
  Call stray(io);
  stray.id = to.call_id();
  stray.peer = to.from_user();
  stray.peer_super_node = route.from_super_node();
  stray.peer_super_node_key = route.from_super_node_key();
  send(stray, std::move(reply));
}

// --- outgoing -----------------------------------------------------------------

std::string CallEngine::State::place_call(const std::string& user) {
  const auto id = new_call_id();
  if (call) {
    const auto busy_with = call->peer;
    boost::asio::post(io, [weak = weak_from_this(), id, user, busy_with] {
      auto self = weak.lock();
      if (!self || !self->on_ended) return;
      CallReport report;
      report.call_id = id;
      report.peer = user;
      report.direction = "outgoing";
      report.outcome = "failed";
      report.end_reason = "already in a call with " + busy_with;
      self->on_ended(report);
    });
    return id;
  }
  call = std::make_unique<Call>(io);
  call->id = id;
  call->peer = user;
  call->outgoing = true;
  call->state = CallState::looking_up;
  event("looking up " + user);
  request_reflexive();
  if (user == options.user.user_id) {
    boost::asio::post(io, [weak = weak_from_this(), id] {
      auto self = weak.lock();
      if (self && self->call && self->call->id == id) self->finish("failed", "that is you");
    });
    return id;
  }
  arm_step(options.timeouts.lookup + std::chrono::seconds(2),
           [this] { finish("unreachable", "the directory did not answer in time"); });
  link->search(user, false, options.timeouts.lookup,
               [weak = weak_from_this(), id](std::vector<overlay::FoundUser> found,
                                             const std::string& error) {
                 if (auto self = weak.lock()) self->on_found(id, std::move(found), error);
               });
  return id;
}

void CallEngine::State::on_found(const std::string& call_id, std::vector<overlay::FoundUser> found,
                                 const std::string& error) {
  if (!call || call->id != call_id || call->state != CallState::looking_up) return;
  if (!error.empty()) {
    finish("unreachable", "directory search failed: " + error);
    return;
  }
  const auto record = std::find_if(found.begin(), found.end(), [&](const overlay::FoundUser& user) {
    return user.presence.user_id == call->peer;
  });
  if (record == found.end()) {
    finish("unreachable", call->peer + " is not online");
    return;
  }
  const auto& presence = record->presence;
  if (presence.status == directory::Status::offline || presence.super_node.empty()) {
    finish("unreachable", call->peer + " is offline");
    return;
  }
  call->peer_super_node = presence.super_node;
  if (presence.super_node_key) {
    const auto& key = presence.super_node_key->bytes;
    call->peer_super_node_key.assign(key.begin(), key.end());
  }

  identity::HandshakeConfig config;
  config.identity_key = options.user.identity_key.get();
  config.certificate = options.user.certificate;
  config.login_server_key = options.user.login_server_key;
  config.peer_user = call->peer;
  config.offers.cipher_suites =
      identity::offered_cipher_suites(options.host->ranked(PARLEY_KIND_CIPHER));
  config.offers.codecs = offered_codecs(*options.host, options.frame_ms);
  call->handshake.emplace(identity::Handshake::initiator(std::move(config)));
  const auto hello = call->handshake->start(identity::Clock::now());
  if (!hello.ok()) {
    finish("failed", "handshake: " + hello.reason);
    return;
  }
  CallMessage message;
  message.mutable_invite()->set_handshake_hello(hello.send.data(), hello.send.size());
  for (const auto& candidate : candidates()) message.mutable_invite()->add_candidates(candidate);
  call->state = CallState::inviting;
  call->setup_started = SteadyClock::now();
  event("inviting " + call->peer);
  if (!send(*call, std::move(message))) {
    finish("unreachable", "not attached to the overlay");
    return;
  }
  arm_step(options.timeouts.invite, [this] {
    CallMessage cancel;
    cancel.mutable_cancel();
    send(*call, std::move(cancel));
    finish("unreachable", call->peer + "'s client did not answer the invite");
  });
}

// --- incoming -----------------------------------------------------------------

void CallEngine::State::on_route(const overlay::CallRoute& route) {
  const std::span payload(reinterpret_cast<const std::uint8_t*>(route.payload().data()),
                          route.payload().size());
  auto verified = verify_call_message(payload, options.user.login_server_key, options.user.user_id,
                                      route.from_user(), identity::Clock::now());
  if (!verified.ok()) {
    event("dropped a call message from " + route.from_user() + ": " + verified.error);
    return;
  }
  const auto& message = *verified.message;
  if (!sequences.admit(message.call_id(), message.from_user(), message.sequence())) return;
  if (message.has_invite()) {
    on_invite(route, message);
    return;
  }
  // Everything else belongs to the call in progress, with this peer; else it is stray.
  if (!call || call->id != message.call_id() || call->peer != message.from_user()) return;
  const bool before_accept =
      call->state == CallState::inviting || call->state == CallState::ringing;
  switch (message.body_case()) {
    case CallMessage::kRinging:
      if (call->outgoing && call->state == CallState::inviting) on_ringing();
      return;
    case CallMessage::kAccept:
      if (call->outgoing && before_accept) on_accept(message);
      return;
    case CallMessage::kConfirm:
      if (!call->outgoing && call->state == CallState::connecting && !call->media) {
        on_confirm(message);
      }
      return;
    case CallMessage::kReject:
      if (call->outgoing && before_accept) {
        const auto& reason = message.reject().reason();
        finish("rejected", call->peer + " declined" + (reason.empty() ? "" : ": " + reason));
      }
      return;
    case CallMessage::kBusy:
      if (call->outgoing && before_accept) finish("busy", call->peer + " is in another call");
      return;
    case CallMessage::kCancel:
      if (!call->outgoing && call->state != CallState::active) {
        finish("cancelled", call->peer + " cancelled the call");
      }
      return;
    case CallMessage::kHangup: {
      if (call->media) call->media->stop(false);
      const auto& reason = message.hangup().reason();
      finish("completed", call->peer + " hung up" + (reason.empty() ? "" : ": " + reason));
      return;
    }
    default: return;
  }
}

void CallEngine::State::on_invite(const overlay::CallRoute& route, const CallMessage& message) {
  if (call && call->id == message.call_id()) return;  // a repeat of the invite: one call
  if (call) {
    event("busy: " + message.from_user() + " calls while in a call with " + call->peer);
    CallMessage busy;
    busy.mutable_busy();
    send_stray_reply(route, message, std::move(busy));
    return;
  }
  // The hello is checked now, so a forged or mismatched one never rings; the
  // reply waits for answer().
  identity::HandshakeConfig config;
  config.identity_key = options.user.identity_key.get();
  config.certificate = options.user.certificate;
  config.login_server_key = options.user.login_server_key;
  config.peer_user = message.from_user();
  config.offers.cipher_suites =
      identity::offered_cipher_suites(options.host->ranked(PARLEY_KIND_CIPHER));
  config.offers.codecs = offered_codecs(*options.host, options.frame_ms);
  auto handshake = identity::Handshake::responder(std::move(config), replay_guard);
  const auto& hello = message.invite().handshake_hello();
  const auto reply = handshake.receive(
      std::span(reinterpret_cast<const std::uint8_t*>(hello.data()), hello.size()),
      identity::Clock::now());
  if (!reply.ok()) {
    event("refused a call from " + message.from_user() + ": handshake: " + reply.reason);
    CallMessage reject;
    reject.mutable_reject()->set_reason("handshake failed: " +
                                        std::string(identity::failure_name(reply.failure)));
    send_stray_reply(route, message, std::move(reject));
    return;
  }
  call = std::make_unique<Call>(io);
  call->id = message.call_id();
  call->peer = message.from_user();
  call->outgoing = false;
  call->state = CallState::ringing;
  call->peer_super_node = route.from_super_node();
  call->peer_super_node_key = route.from_super_node_key();
  call->handshake.emplace(std::move(handshake));
  call->reply = reply.send;
  call->peer_candidates.assign(message.invite().candidates().begin(),
                               message.invite().candidates().end());
  if (route.has_relay() && route.relay().token().size() == overlay::kRelayTokenBytes) {
    if (const auto relay = parse_candidate(route.relay().host_port())) {
      RelaySlot slot{*relay, {}};
      std::copy(route.relay().token().begin(), route.relay().token().end(), slot.token.begin());
      call->relay = slot;
    }
  }
  CallMessage ringing;
  ringing.mutable_ringing();
  send(*call, std::move(ringing));
  event("ringing from " + call->peer);
  request_reflexive();
  arm_step(options.timeouts.ring, [this] { finish("timeout", "not answered in time"); });
  if (options.auto_answer) {
    boost::asio::post(io, [weak = weak_from_this(), id = call->id] {
      auto self = weak.lock();
      if (self && self->call && self->call->id == id) self->answer();
    });
  }
}

void CallEngine::State::on_ringing() {
  call->state = CallState::ringing;
  event("ringing");
  arm_step(options.timeouts.ring, [this] {
    CallMessage cancel;
    cancel.mutable_cancel();
    send(*call, std::move(cancel));
    finish("timeout", call->peer + " did not answer");
  });
}

void CallEngine::State::on_accept(const CallMessage& message) {
  const auto& reply = message.accept().handshake_reply();
  const auto finish_step = call->handshake->receive(
      std::span(reinterpret_cast<const std::uint8_t*>(reply.data()), reply.size()),
      identity::Clock::now());
  if (!finish_step.ok()) {
    CallMessage hangup;
    hangup.mutable_hangup()->set_reason("handshake failed");
    send(*call, std::move(hangup));
    finish("failed", "handshake: " + finish_step.reason);
    return;
  }
  CallMessage confirm;
  confirm.mutable_confirm()->set_handshake_finish(finish_step.send.data(), finish_step.send.size());
  send(*call, std::move(confirm));
  call->peer_candidates.assign(message.accept().candidates().begin(),
                               message.accept().candidates().end());
  call->state = CallState::connecting;
  event("connecting");
  start_media();
}

void CallEngine::State::on_confirm(const CallMessage& message) {
  const auto& finish_message = message.confirm().handshake_finish();
  const auto done = call->handshake->receive(
      std::span(reinterpret_cast<const std::uint8_t*>(finish_message.data()),
                finish_message.size()),
      identity::Clock::now());
  if (!done.ok()) {
    CallMessage hangup;
    hangup.mutable_hangup()->set_reason("handshake failed");
    send(*call, std::move(hangup));
    finish("failed", "handshake: " + done.reason);
    return;
  }
  start_media();
}

void CallEngine::State::on_route_failed(const overlay::CallRouteFailed& failed) {
  if (!call || call->id != failed.call_id()) return;
  if (call->state == CallState::active) return;  // media does not need signaling any more
  finish("unreachable", "signaling could not reach " + call->peer + ": " + failed.reason());
}

void CallEngine::State::on_relay_offer(const overlay::RelayOffer& offer) {
  if (!call || call->id != offer.call_id() || !call->outgoing) return;
  if (offer.relay().token().size() != overlay::kRelayTokenBytes) return;
  const auto relay = parse_candidate(offer.relay().host_port());
  if (!relay) return;
  RelaySlot slot{*relay, {}};
  std::copy(offer.relay().token().begin(), offer.relay().token().end(), slot.token.begin());
  call->relay = slot;
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
    CallMessage hangup;
    hangup.mutable_hangup()->set_reason("media could not start");
    send(*call, std::move(hangup));
    finish("failed", std::string("media: ") + error.what());
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
      {
        CallMessage cancel;
        cancel.mutable_cancel();
        send(*call, std::move(cancel));
      }
      finish("cancelled", reason);
      return;
    case CallState::connecting:
    case CallState::active: break;
  }
  // Media first: nothing more leaves after the BYE, whatever signaling does.
  if (call->media) call->media->stop(true);
  CallMessage hangup;
  hangup.mutable_hangup()->set_reason(reason);
  send(*call, std::move(hangup));
  finish(by_user ? "completed" : "failed", reason);
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

}  // namespace parley::call
