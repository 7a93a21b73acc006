// The call engine's insides, shared by call_engine.cpp (the engine, media,
// commands, deadlines) and call_signaling.cpp (the messages both ways).
// Private to kernel/call.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "call/call_engine.hpp"
#include "call/call_signal.hpp"
#include "call/invite_meter.hpp"
#include "call/local_candidates.hpp"
#include "call/media_session.hpp"
#include "call/media_socket.hpp"
#include "identity/handshake.hpp"
#include "log/log.hpp"
#include "overlay/stun_binding.hpp"
#include "proto/call.pb.h"

namespace parley::call {

using SteadyClock = std::chrono::steady_clock;

inline constexpr std::size_t kInviteReplayCapacity = 16'384;
// Invites one sender may have answered per freshness window (busy, refused
// or ringing), and the senders tracked at once: 16 x 1,024 = the guard's size.
inline constexpr std::size_t kInvitesPerSender = 16;
inline constexpr std::size_t kMaxInviteSenders = kInviteReplayCapacity / kInvitesPerSender;
inline constexpr std::size_t kMaxEventLineBytes = 2048;

// Peer-controlled text (a user id before verification, a reason) made fit
// for an event line: one line, printable, bounded.
std::string peer_text(std::string_view text);

// The slot a grant names when its relay is on expected_host; empty otherwise
// (no host to expect, a malformed token or address, another host).
std::optional<RelaySlot> relay_slot(const overlay::RelayGrant& grant,
                                    const std::optional<boost::asio::ip::address>& expected_host);

struct Call {
  explicit Call(boost::asio::io_context& io) : timer(io) {}
  std::string id;
  std::string peer;
  bool outgoing = true;
  CallState state = CallState::idle;
  std::uint64_t next_sequence = 1;
  // The peer's last accepted sequence in this call: every later message of
  // the call must be above it. Kept here, not in the engine-wide
  // SequenceGuard, so no flood of other call ids can make the call forget it.
  std::uint64_t peer_sequence = 0;
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
  [[nodiscard]] identity::HandshakeConfig handshake_config(const std::string& peer) const;
  // Every line one line, whatever text of a peer's or the user's it carries.
  void event(const std::string& line) const {
    if (on_event) on_event(log::sanitize(line, kMaxEventLineBytes));
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
  // Tell the peer (CANCEL before an answer, HANGUP after), then finish.
  void cancel_and_finish(const std::string& outcome, const std::string& reason);
  void hang_up_and_finish(const std::string& told_peer, const std::string& outcome,
                          const std::string& reason);
  [[nodiscard]] CallReport report_of(const Call& current) const;

  boost::asio::io_context& io;
  std::shared_ptr<SignalingLink> link;
  CallEngineOptions options;
  EventHandler on_event;
  EndedHandler on_ended;
  // Handshake nonces of incoming invites. When full (that many signed
  // invites inside the freshness window) invites are refused, not forgotten:
  // sized so that takes thousands of invites a minute from certified users.
  identity::ReplayGuard replay_guard{kInviteReplayCapacity};
  InviteMeter invite_meter{kInvitesPerSender, kMaxInviteSenders, kCallSignalFreshness};
  // Invites only: a replayed invite of a call that has ended rings nothing.
  SequenceGuard sequences;
  MediaSocket socket;
  std::vector<std::string> host_addresses;
  std::optional<Endpoint> reflexive;
  overlay::StunTransactionId stun_id{};
  boost::asio::steady_timer stun_timer;
  std::unique_ptr<Call> call;
};

}  // namespace parley::call
