// The call engine's messages: placing a call (lookup, handshake, invite),
// and every message that arrives, checked and matched to the call in
// progress (docs/calls.md, "Signaling").
#include <boost/asio/post.hpp>

#include <algorithm>

#include "call/call_engine_state.hpp"
#include "call/call_id.hpp"
#include "call/local_candidates.hpp"
#include "identity/media_keys.hpp"
#include "log/log.hpp"
#include "net/byte_view.hpp"
#include "plugin/codec_plugin.hpp"

namespace parley::call {
namespace {

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

}  // namespace

std::string peer_text(std::string_view text) {
  return log::sanitize(text, kMaxReasonBytes);
}

std::optional<RelaySlot> relay_slot(const overlay::RelayGrant& grant,
                                    const std::optional<boost::asio::ip::address>& expected_host) {
  if (!expected_host || grant.token().size() != overlay::kRelayTokenBytes) return std::nullopt;
  const auto relay = parse_candidate(grant.host_port());
  if (!relay || relay->address() != *expected_host) return std::nullopt;
  RelaySlot slot{*relay, {}};
  std::copy(grant.token().begin(), grant.token().end(), slot.token.begin());
  return slot;
}

identity::HandshakeConfig CallEngine::State::handshake_config(const std::string& peer) const {
  identity::HandshakeConfig config;
  config.identity_key = options.user.identity_key.get();
  config.certificate = options.user.certificate;
  config.login_server_key = options.user.login_server_key;
  config.peer_user = peer;
  config.offers.cipher_suites =
      identity::offered_cipher_suites(options.host->ranked(PARLEY_KIND_CIPHER));
  config.offers.codecs = offered_codecs(*options.host, options.frame_ms);
  return config;
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
  auto id = new_call_id();
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

  call->handshake.emplace(identity::Handshake::initiator(handshake_config(call->peer)));
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
    cancel_and_finish("unreachable", call->peer + "'s client did not answer the invite");
  });
}

// --- incoming -----------------------------------------------------------------

void CallEngine::State::on_route(const overlay::CallRoute& route) {
  const auto payload = net::byte_view(route.payload());
  auto verified = verify_call_message(payload, options.user.login_server_key, options.user.user_id,
                                      route.from_user(), identity::Clock::now());
  if (!verified.ok()) {
    event("dropped a call message from " + peer_text(route.from_user()) + ": " + verified.error);
    return;
  }
  const auto& message = *verified.message;
  if (message.has_invite()) {
    if (!sequences.admit(message.call_id(), message.from_user(), message.sequence())) return;
    on_invite(route, message);
    return;
  }
  // Everything else belongs to the call in progress, with this peer; else it
  // is stray. Within the call each message must be newer than the last: a
  // replayed one (a HANGUP, REJECT, CANCEL seen before) is ignored.
  if (!call || call->id != message.call_id() || call->peer != message.from_user()) return;
  if (message.sequence() <= call->peer_sequence) return;
  call->peer_sequence = message.sequence();
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
        const auto reason = peer_text(message.reject().reason());
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
      const auto reason = peer_text(message.hangup().reason());
      // Before any media the call never happened: the peer gave up on it (no path, a failure).
      const bool had_media = call->state == CallState::active;
      finish(had_media ? "completed" : "failed", call->peer + " hung up" +
                                                     (had_media ? "" : " before media flowed") +
                                                     (reason.empty() ? "" : ": " + reason));
      return;
    }
    default: return;
  }
}

void CallEngine::State::on_invite(const overlay::CallRoute& route, const CallMessage& message) {
  if (call && call->id == message.call_id()) return;  // a repeat of the invite: one call
  // Past its share a sender's invites take no place in the replay guard. The
  // first refusal of a window is answered, so a genuine caller who redials
  // learns when to try again; the rest are dropped with nothing to sign.
  const auto admission = invite_meter.admit(message.from_user(), SteadyClock::now());
  if (admission.verdict == InviteMeter::Verdict::refused_silently) return;
  if (admission.verdict == InviteMeter::Verdict::refused_tell) {
    const auto retry = std::to_string(admission.retry_after.count());
    event("refused a call from " + message.from_user() + ": more than " +
          std::to_string(kInvitesPerSender) + " calls in " +
          std::to_string(invite_meter.window().count() / 1000) + " s; may call again in " + retry +
          " s");
    CallMessage reject;
    reject.mutable_reject()->set_reason("too many calls; try again in " + retry + " s");
    send_stray_reply(route, message, std::move(reject));
    return;
  }
  if (call) {
    event("busy: " + message.from_user() + " calls while in a call with " + call->peer);
    CallMessage busy;
    busy.mutable_busy();
    send_stray_reply(route, message, std::move(busy));
    return;
  }
  // The hello is checked now, so a forged or mismatched one never rings; the
  // reply waits for answer().
  auto handshake =
      identity::Handshake::responder(handshake_config(message.from_user()), replay_guard);
  const auto& hello = message.invite().handshake_hello();
  const auto reply = handshake.receive(net::byte_view(hello), identity::Clock::now());
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
  call->peer_sequence = message.sequence();
  call->peer_super_node = route.from_super_node();
  call->peer_super_node_key = route.from_super_node_key();
  call->handshake.emplace(std::move(handshake));
  call->reply = reply.send;
  call->peer_candidates.assign(message.invite().candidates().begin(),
                               message.invite().candidates().end());
  // The grant is unsigned: only the caller's super node (the one that
  // stamped from_super_node) may point our checks and media at a relay, and
  // only at its own host.
  if (route.has_relay()) {
    const auto granted_by = parse_candidate(route.from_super_node());
    call->relay =
        relay_slot(route.relay(), granted_by ? std::optional(granted_by->address()) : std::nullopt);
    if (!call->relay) event("ignored a relay grant that is not the caller's super node's");
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
  arm_step(options.timeouts.ring,
           [this] { cancel_and_finish("timeout", call->peer + " did not answer"); });
}

void CallEngine::State::on_accept(const CallMessage& message) {
  const auto& reply = message.accept().handshake_reply();
  const auto finish_step = call->handshake->receive(net::byte_view(reply), identity::Clock::now());
  if (!finish_step.ok()) {
    hang_up_and_finish("handshake failed", "failed", "handshake: " + finish_step.reason);
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
  const auto done =
      call->handshake->receive(net::byte_view(finish_message), identity::Clock::now());
  if (!done.ok()) {
    hang_up_and_finish("handshake failed", "failed", "handshake: " + done.reason);
    return;
  }
  start_media();
}

// Unsigned, so it may end only what nothing signed has confirmed yet: our
// own invite before the callee accepted it. A failure report about a call
// already accepted (or an incoming one) is ignored; its own deadlines and
// the media path decide its end.
void CallEngine::State::on_route_failed(const overlay::CallRouteFailed& failed) {
  if (!call || call->id != failed.call_id() || !call->outgoing) return;
  if (call->state != CallState::inviting && call->state != CallState::ringing) return;
  finish("unreachable",
         "signaling could not reach " + call->peer + ": " + peer_text(failed.reason()));
}

void CallEngine::State::on_relay_offer(const overlay::RelayOffer& offer) {
  if (!call || call->id != offer.call_id() || !call->outgoing) return;
  // Our own super node offers it: its host, where we already send STUN.
  const auto attached = link->super_node_udp();
  if (auto slot =
          relay_slot(offer.relay(), attached ? std::optional(attached->address()) : std::nullopt)) {
    call->relay = *slot;
  } else {
    event("ignored a relay offer that is not our super node's");
  }
}

}  // namespace parley::call
