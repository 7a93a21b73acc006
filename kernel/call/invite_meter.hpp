// Per-sender accounting of incoming invites (docs/calls.md, "Messages and
// their checks"): each invite's handshake hello takes a place in the engine's
// ReplayGuard for the 60 s freshness window, and a full guard refuses every
// invite. So one certified user may take at most a few places a window; filling
// the guard then takes a thousand accounts, not one. A sender past its share is
// told so once (a genuine caller redialling learns when to try again), and
// again only after an invite of its was admitted since; every other refusal is
// silent, so a flood costs the callee no more signatures than its share.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>

namespace parley::call {

class InviteMeter {
 public:
  using Clock = std::chrono::steady_clock;

  InviteMeter(std::size_t per_sender, std::size_t max_senders, std::chrono::milliseconds window)
      : per_sender_(per_sender), max_senders_(max_senders), window_(window) {}

  enum class Verdict {
    admitted,         // counted against the sender's share
    refused_tell,     // past the share, first refusal this window: answer it
    refused_silently  // refused again, or no room to track a new sender
  };
  struct Admission {
    Verdict verdict = Verdict::admitted;
    std::chrono::seconds retry_after{0};  // with refused_tell: when a place frees
  };

  // Admitted when sender has had fewer than per_sender invites admitted
  // within the window (and, for a new sender, fewer than max_senders are
  // tracked).
  Admission admit(const std::string& sender, Clock::time_point now);
  [[nodiscard]] std::size_t senders() const { return recent_.size(); }
  [[nodiscard]] std::chrono::milliseconds window() const { return window_; }

 private:
  struct Sender {
    std::deque<Clock::time_point> admitted;
    std::optional<Clock::time_point> told;  // the last refusal that was answered
  };

  void forget_expired(Sender& sender, Clock::time_point now) const;

  std::size_t per_sender_;
  std::size_t max_senders_;
  std::chrono::milliseconds window_;
  std::map<std::string, Sender> recent_;
};

}  // namespace parley::call
