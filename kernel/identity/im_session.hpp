// Instant messages between two peers, protected with the message keys of
// their end-to-end handshake (docs/e2e.md): each message is sealed by the
// negotiated cipher plugin's seal() under a strictly increasing sequence
// number, and bound to the handshake's transcript, so a super node relaying
// it can neither read, alter, reorder nor replay it.
//
// On the wire: u64 big-endian sequence number, then the plugin's
// ciphertext || tag. Sequence numbers start at 1; the receiver accepts only a
// number above every one it accepted before (gaps are fine: a lost message is
// not a forged one).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "identity/handshake.hpp"
#include "identity/handshake_keys.hpp"
#include "plugin/cipher_plugin.hpp"

namespace parley::identity {

inline constexpr std::size_t kMaxImPlaintextBytes = std::size_t{16} * 1024;
inline constexpr std::size_t kImSequenceBytes = 8;
inline constexpr std::string_view kImAadLabel = "parley im v1";

enum class ImFailure {
  none,
  too_large,       // over kMaxImPlaintextBytes (plus framing)
  malformed,       // shorter than a sequence number and a tag, or sequence 0
  replayed,        // a sequence number not above the last accepted one
  authentication,  // altered, forged, or sealed under other keys
  limit,           // the message key is worn out: a new handshake is needed
  cipher_error,    // the plugin failed otherwise
};
std::string_view im_failure_name(ImFailure failure);

struct ImSealed {
  std::vector<std::uint8_t> wire;
  ImFailure failure = ImFailure::none;
  [[nodiscard]] bool ok() const { return failure == ImFailure::none; }
};

struct ImOpened {
  std::vector<std::uint8_t> plaintext;
  std::uint64_t sequence = 0;
  ImFailure failure = ImFailure::none;
  [[nodiscard]] bool ok() const { return failure == ImFailure::none; }
};

struct ImCounters {
  std::uint64_t sealed = 0;
  std::uint64_t opened = 0;
  std::uint64_t replays_rejected = 0;
  std::uint64_t authentication_failures = 0;
  std::uint64_t malformed = 0;
};

class ImSession {
 public:
  // cipher: the negotiated suite's plugin. Throws IdentityError when it is not.
  ImSession(const plugin::CipherPlugin& cipher, const HandshakeResult& handshake);
  ImSession(const plugin::CipherPlugin& cipher, const TrafficSecret& outbound,
            const TrafficSecret& inbound, const Digest& transcript_hash);

  ImSealed seal(std::span<const std::uint8_t> plaintext);
  ImOpened open(std::span<const std::uint8_t> wire);
  [[nodiscard]] ImCounters counters() const { return counters_; }

 private:
  plugin::CipherContext outbound_;
  plugin::CipherContext inbound_;
  std::vector<std::uint8_t> aad_;
  std::uint64_t last_sealed_ = 0;
  std::uint64_t last_opened_ = 0;
  ImCounters counters_;
};

}  // namespace parley::identity
