// The super node's media relay (docs/overlay.md, "Relay"): one slot per call
// that this super node's own client invited through it, never for strangers.
//
// A slot holds two random tokens, one per side (A: caller, B: callee). It is
// reserved on the INVITE (pending), becomes active when the callee's ACCEPT
// passes through the super node, and is freed by REJECT, BUSY, CANCEL or
// HANGUP, after pending_timeout without an ACCEPT, or after idle_timeout
// without relayed traffic. Only an active slot relays: tokens learnt from an
// invite alone relay nothing.
//
// Each side's address is latched only after a return-routability check
// (relay_header.hpp): a datagram with a token from an address not latched for
// it is dropped and answered with a challenge cookie, HMAC-SHA256(secret,
// token || address || 10 s time bucket) cut to 16 bytes, and the address is
// latched when it echoes that cookie. So a spoofed source is never latched
// (no reflector). Another address takes over only after relatch_silence
// without packets from the latched one (a client whose NAT mapping changed),
// so a token that leaked cannot divert a live call. Challenges are metered
// per slot. Payloads are forwarded unread: they are SRTP.
//
// Threading: one thread (the super node's io_context).
#pragma once

#include <array>
#include <boost/asio/ip/udp.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>

#include "overlay/relay_header.hpp"
#include "overlay/relay_rate.hpp"
#include "overlay/token_bucket.hpp"

namespace parley::overlay {

struct MediaRelayLimits {
  std::size_t max_slots = 200;  // [node] max_relayed_calls
  std::size_t max_slots_per_user = 4;
  // Slots not yet accepted, per caller: a ring lasts at most 30 s, so an
  // unanswered invite's slot is back within 45 s.
  std::size_t max_pending_per_user = 2;
  std::chrono::milliseconds pending_timeout{45'000};
  std::chrono::milliseconds idle_timeout{30'000};
  std::chrono::milliseconds relatch_silence{5'000};
  double bytes_per_s = kDefaultRelayBytesPerS;  // per slot, both directions together
  double burst_bytes = kRelayBurstSeconds * bytes_per_s;
  double challenges_per_s = 10;  // per slot: the relay never amplifies much
};

struct MediaRelayStats {
  std::uint64_t relayed_packets = 0;
  std::uint64_t relayed_bytes = 0;  // payload bytes forwarded
  std::uint64_t dropped = 0;        // unknown token, inactive slot, quota, no peer address
  std::uint64_t challenges = 0;     // latch challenges sent
  std::uint64_t latched = 0;        // addresses latched after a valid response
  std::uint64_t send_dropped = 0;   // the socket's buffer was full (would block)
  std::size_t slots = 0;
};

struct RelayParties {
  std::string caller;
  std::string callee;
};

struct RelayTokens {
  RelayToken caller{};  // side A
  RelayToken callee{};  // side B
};

class MediaRelay {
 public:
  using Clock = std::chrono::steady_clock;
  using udp = boost::asio::ip::udp;

  // Sends on socket (the super node's STUN socket, open; made non-blocking
  // here), which must outlive this.
  MediaRelay(udp::socket& socket, MediaRelayLimits limits);

  // A pending slot for call_id, invited by caller (the same tokens again for
  // a repeated invite). Empty when the relay is full, caller already holds
  // max_slots_per_user slots or max_pending_per_user pending ones, call_id has
  // another slot, or caller and callee are the same user (a relay to oneself
  // would only serve to bounce traffic).
  std::optional<RelayTokens> reserve(const std::string& call_id, const std::string& caller,
                                     const std::string& callee, Clock::time_point now);
  // The users a slot was reserved between, so routing can tell the callee's
  // ACCEPT from anyone else's; empty when call_id has no slot.
  [[nodiscard]] std::optional<RelayParties> parties(const std::string& call_id) const;
  // Reserved and not yet accepted.
  [[nodiscard]] bool pending(const std::string& call_id) const;
  void activate(const std::string& call_id, Clock::time_point now);
  void release(const std::string& call_id);
  // Frees pending slots older than pending_timeout and idle active ones.
  void expire(Clock::time_point now);

  // One datagram that looks_like_relay(); forwards or drops it.
  void on_datagram(std::span<const std::uint8_t> datagram, const udp::endpoint& from,
                   Clock::time_point now);

  [[nodiscard]] MediaRelayStats stats() const;

 private:
  struct Side {
    std::optional<udp::endpoint> latched;
    Clock::time_point last_heard{};
  };
  struct Slot {
    RelayParties parties;
    RelayTokens tokens;
    bool active = false;
    Clock::time_point since;  // reserved, or last relayed packet once active
    TokenBucket bucket;
    TokenBucket challenge_meter;
    Side sides[2];  // caller, callee
  };

  void erase(std::map<std::string, Slot>::iterator slot);
  [[nodiscard]] RelayCookie cookie(const RelayToken& token, const udp::endpoint& address,
                                   std::int64_t bucket) const;
  void on_response(Slot& slot, int side, const RelayDatagram& datagram, const udp::endpoint& from,
                   Clock::time_point now);
  void challenge(Slot& slot, const RelayToken& token, const udp::endpoint& to,
                 Clock::time_point now);
  bool send(std::span<const std::uint8_t> bytes, const udp::endpoint& to);

  udp::socket& socket_;
  MediaRelayLimits limits_;
  std::map<std::string, Slot> slots_;                           // by call id
  std::map<RelayToken, std::pair<std::string, int>> by_token_;  // call id, side
  std::map<std::string, std::size_t> per_user_;
  std::array<std::uint8_t, 32> secret_{};  // random per run: cookies die with the process
  MediaRelayStats stats_;
};

}  // namespace parley::overlay
