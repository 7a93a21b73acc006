// Signed call signaling (proto/call.proto, docs/calls.md): every CallMessage
// travels as a SignedCallMessage signed by the sender's certified identity
// key, so the super nodes that route it can drop it but never forge, alter or
// redirect it. The receiver checks, cheapest first: size, structure, the
// certificate against the pinned login server key, the signature, that the
// sender is the user the overlay says sent it, that it is meant for this
// user, the call id, freshness, and the bounds of every field.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "identity/certificate.hpp"
#include "identity/signing_key.hpp"
#include "proto/call.pb.h"
#include "proto/overlay.pb.h"

namespace parley::call {

inline constexpr std::string_view kCallSignalContext = "parley call signal v1";
// CallRoute.payload's bound: checked before anything is parsed.
inline constexpr std::size_t kMaxSignedCallMessageBytes = 4096;
inline constexpr std::size_t kMaxCandidates = 8;
inline constexpr std::size_t kMaxCandidateBytes = 64;
inline constexpr std::size_t kMaxReasonBytes = 256;
// A message sent longer ago than this (or this far in the future: clock skew) is stale.
inline constexpr std::chrono::milliseconds kCallSignalFreshness{60'000};

std::vector<std::uint8_t> sign_call_message(const CallMessage& message,
                                            const identity::SigningKey& identity_key,
                                            std::span<const std::uint8_t> certificate);

struct VerifiedCallMessage {
  std::optional<CallMessage> message;  // set when every check passed
  std::string error;                   // one sentence otherwise; never key material
  [[nodiscard]] bool ok() const { return message.has_value(); }
};

// route_from_user: CallRoute.from_user, the user the overlay vouches sent it.
VerifiedCallMessage verify_call_message(std::span<const std::uint8_t> payload,
                                        const identity::PublicKey& login_server_key,
                                        std::string_view self_user,
                                        std::string_view route_from_user,
                                        identity::Clock::time_point now);

// The routing kind that mirrors a message's body.
overlay::CallSignalKind signal_kind(const CallMessage& message);
std::string_view body_name(const CallMessage& message);  // "invite", "ringing", ...

// Sequence numbers per (call, sender): a message is admitted once, and only
// above every number admitted before from that sender in that call. Bounded:
// the oldest calls are forgotten first (their messages are stale by then).
class SequenceGuard {
 public:
  explicit SequenceGuard(std::size_t capacity = 1024) : capacity_(capacity) {}
  bool admit(const std::string& call_id, const std::string& sender, std::uint64_t sequence);
  // Whether any message of this call from sender was admitted.
  [[nodiscard]] bool seen(const std::string& call_id, const std::string& sender) const;

 private:
  using Key = std::pair<std::string, std::string>;
  std::size_t capacity_;
  std::map<Key, std::uint64_t> last_;
  std::deque<Key> order_;
};

}  // namespace parley::call
