// Per-sender accounting of incoming invites (docs/calls.md, "Messages and
// their checks"): each invite's handshake hello takes a place in the engine's
// ReplayGuard for the 60 s freshness window, and a full guard refuses every
// invite. So one certified user may take at most a few places a window; filling
// the guard then takes a thousand accounts, not one.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <string>

namespace parley::call {

class InviteMeter {
 public:
  using Clock = std::chrono::steady_clock;

  InviteMeter(std::size_t per_sender, std::size_t max_senders, std::chrono::milliseconds window)
      : per_sender_(per_sender), max_senders_(max_senders), window_(window) {}

  // True when sender has had fewer than per_sender invites admitted within
  // the window (and, for a new sender, fewer than max_senders are tracked);
  // the invite is then counted.
  bool admit(const std::string& sender, Clock::time_point now);
  [[nodiscard]] std::size_t senders() const { return recent_.size(); }

 private:
  void forget_expired(std::deque<Clock::time_point>& times, Clock::time_point now) const;

  std::size_t per_sender_;
  std::size_t max_senders_;
  std::chrono::milliseconds window_;
  std::map<std::string, std::deque<Clock::time_point>> recent_;
};

}  // namespace parley::call
