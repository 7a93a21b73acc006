// From an established handshake to protected media: the two SRTP contexts of
// a call (outbound, inbound) through the negotiated cipher plugin, and key
// generations, so a long call rekeys before the plugin's per-key limit
// (PARLEY_ERR_LIMIT) without a new handshake (docs/e2e.md, "Rekeying").
//
// Rekeying needs no signaling: the sender moves its outbound direction to the
// next generation on its own; the receiver, when a packet fails under its
// current generation, tries the next one once and moves on if it
// authenticates. It keeps the previous generation for packets reordered
// across the switch. Each direction moves independently.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "identity/handshake.hpp"
#include "identity/handshake_keys.hpp"
#include "plugin/cipher_plugin.hpp"
#include "plugin/selection.hpp"

namespace parley::identity {

CipherKeySizes key_sizes(const plugin::CipherPlugin& cipher);

// What to offer in a handshake: the interface names of the ranked cipher
// plugins (PluginHost::ranked(PARLEY_KIND_CIPHER)), in that order, at most
// kMaxCipherSuites.
std::vector<std::string> offered_cipher_suites(const std::vector<plugin::Ranked>& ranked);
// The plugin behind a negotiated suite name, if loaded.
std::optional<plugin::Offer> find_cipher(const std::vector<plugin::Ranked>& ranked,
                                         std::string_view suite);

// One direction's SRTP context at the secret's generation. Throws
// plugin::PluginCallError when the plugin refuses the keys.
plugin::CipherContext make_srtp_context(const plugin::CipherPlugin& cipher,
                                        const TrafficSecret& secret,
                                        parley_cipher_direction direction);

// Generation 0 of both directions of a call, as plain contexts, for callers
// that manage generations themselves (MediaKeys below does it for them).
struct MediaContexts {
  plugin::CipherContext outbound;
  plugin::CipherContext inbound;
};
MediaContexts make_media_contexts(const plugin::CipherPlugin& cipher,
                                  const HandshakeResult& handshake);

struct MediaCounters {
  std::uint64_t packets_protected = 0;
  std::uint64_t packets_accepted = 0;
  std::uint64_t authentication_failures = 0;  // forged or altered: dropped
  std::uint64_t replays_rejected = 0;         // seen before or too old: dropped
  std::uint64_t late_packets_accepted = 0;    // under the previous generation
  std::uint32_t outbound_generation = 0;
  std::uint32_t inbound_generation = 0;
};

// Both directions of one call's media. Used by one thread at a time.
class MediaKeys {
 public:
  // rekey_after_packets: packets per outbound generation; 0 means the
  // plugin's max_packets_per_key less 1/16 of it, well before PARLEY_ERR_LIMIT.
  MediaKeys(const plugin::CipherPlugin& cipher, TrafficSecret outbound, TrafficSecret inbound,
            std::uint64_t rekey_after_packets = 0);
  // The handshake's secrets, generation 0. cipher must be the negotiated suite's.
  MediaKeys(const plugin::CipherPlugin& cipher, const HandshakeResult& handshake,
            std::uint64_t rekey_after_packets = 0);

  // As CipherContext's, rekeying the outbound direction when due.
  plugin::CipherResult protect_rtp(std::span<std::uint8_t> buffer, std::size_t size);
  plugin::CipherResult protect_rtcp(std::span<std::uint8_t> buffer, std::size_t size);
  // As CipherContext's, following the peer's generations.
  plugin::CipherResult unprotect_rtp(std::span<std::uint8_t> packet);
  plugin::CipherResult unprotect_rtcp(std::span<std::uint8_t> packet);

  // Moves the outbound direction to the next generation now.
  void rekey_outbound();
  [[nodiscard]] MediaCounters counters() const { return counters_; }
  [[nodiscard]] const plugin::CipherPlugin& cipher() const { return cipher_; }
  [[nodiscard]] std::uint64_t rekey_after_packets() const { return rekey_after_packets_; }

 private:
  using Protect = plugin::CipherResult (plugin::CipherContext::*)(std::span<std::uint8_t>,
                                                                  std::size_t) noexcept;
  using Unprotect =
      plugin::CipherResult (plugin::CipherContext::*)(std::span<std::uint8_t>) noexcept;
  plugin::CipherResult protect(Protect operation, std::span<std::uint8_t> buffer, std::size_t size);
  plugin::CipherResult unprotect(Unprotect operation, std::span<std::uint8_t> packet);

  plugin::CipherPlugin cipher_;
  std::uint64_t rekey_after_packets_;
  TrafficSecret outbound_secret_;
  TrafficSecret inbound_secret_;
  std::optional<plugin::CipherContext> outbound_;
  std::uint64_t protected_this_generation_ = 0;
  std::optional<plugin::CipherContext> inbound_;
  std::optional<plugin::CipherContext> previous_inbound_;
  std::optional<TrafficSecret> next_inbound_secret_;  // made on first need
  std::optional<plugin::CipherContext> next_inbound_;
  MediaCounters counters_;
};

}  // namespace parley::identity
