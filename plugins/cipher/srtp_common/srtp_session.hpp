// The SRTP packet engine every Parley cipher suite shares: RTP/RTCP framing,
// nonce formation, rollover counters, replay windows and key-usage limits
// (RFC 3711, with the AEAD packet formats of RFC 7714 sections 8 and 9). The
// suite supplies only the AEAD itself (PacketAead), so AES-GCM, ChaCha20-Poly1305
// and the null suite cannot drift apart in the parts that are not cryptography.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "parley/sdk/cipher.hpp"
#include "replay_window.hpp"

namespace parley::srtp {

using sdk::CipherResult;

inline constexpr std::size_t kNonceBytes = 12;
inline constexpr std::size_t kSaltBytes = 12;
using Nonce = std::array<std::uint8_t, kNonceBytes>;
using Salt = std::array<std::uint8_t, kSaltBytes>;

// Associated data in up to two pieces: SRTCP authenticates its header and its
// trailing E-flag/index word, which are not adjacent in the packet.
struct Aad {
  std::span<const std::uint8_t> head;
  std::span<const std::uint8_t> tail;
};

// One key's authenticated encryption. The session decides nonce and associated data.
class PacketAead {
 public:
  PacketAead() = default;
  PacketAead(const PacketAead&) = delete;
  PacketAead& operator=(const PacketAead&) = delete;
  virtual ~PacketAead() = default;

  [[nodiscard]] virtual std::size_t tag_bytes() const = 0;
  // False for the null suite: SRTCP then clears its E-flag (RFC 3711 section 3.4).
  [[nodiscard]] virtual bool encrypts() const = 0;
  // Encrypts data in place and writes tag_bytes() of tag. PARLEY_OK or PARLEY_ERR_INTERNAL.
  virtual parley_status seal(const Nonce& nonce, const Aad& aad, std::span<std::uint8_t> data,
                             std::span<std::uint8_t> tag) = 0;
  // Writes the plaintext to `plaintext` (same size as ciphertext; may alias it
  // exactly) only if the tag verifies: PARLEY_OK, PARLEY_ERR_AUTHENTICATION or
  // PARLEY_ERR_INTERNAL.
  virtual parley_status open(const Nonce& nonce, const Aad& aad,
                             std::span<const std::uint8_t> ciphertext,
                             std::span<const std::uint8_t> tag,
                             std::span<std::uint8_t> plaintext) = 0;
};

// A session key with the session salt its nonces are formed from.
struct KeyedAead {
  std::unique_ptr<PacketAead> aead;
  Salt salt{};
};

// Three keys, so that no nonce can ever repeat across RTP, RTCP and messages.
struct SessionKeys {
  KeyedAead rtp;
  KeyedAead rtcp;
  KeyedAead message;
};

// RFC 7714 section 8.1: salt XOR (00 00 || SSRC || ROC || SEQ); index = ROC << 16 | SEQ.
Nonce rtp_nonce(const Salt& salt, std::uint32_t ssrc, std::uint64_t index);
// RFC 7714 section 9.1: salt XOR (00 00 || SSRC || 00 00 || 0 || 31-bit SRTCP index).
Nonce rtcp_nonce(const Salt& salt, std::uint32_t ssrc, std::uint32_t index);
// Messages: salt XOR (00 00 00 00 || 64-bit sequence), under the message key.
Nonce message_nonce(const Salt& salt, std::uint64_t sequence);

// RFC 3711 section 3.3.1 and Appendix A: the 48-bit index of `sequence` given the
// highest index accepted so far. Where the RFC would guess ROC - 1 while ROC is
// 0 (a packet "before the first one"), the only index that can exist is taken,
// ROC 0, as libsrtp does. The result may exceed 48 bits once ROC is exhausted.
std::uint64_t estimate_rtp_index(std::uint64_t highest_index, std::uint16_t sequence);

class Session {
 public:
  // Distinct SSRCs one context keeps state for: a call has one or two per
  // direction; the bound keeps an authenticated peer from growing us without end.
  static constexpr std::size_t kMaxStreams = 64;
  static constexpr std::uint64_t kMaxRtpIndex = (std::uint64_t{1} << 48) - 1;
  static constexpr std::uint32_t kMaxSrtcpIndex = 0x7fffffff;

  Session(SessionKeys keys, std::uint64_t max_packets_per_key);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  CipherResult protect_rtp(std::span<std::uint8_t> buffer, std::size_t size);
  CipherResult unprotect_rtp(std::span<std::uint8_t> packet);
  CipherResult protect_rtcp(std::span<std::uint8_t> buffer, std::size_t size);
  CipherResult unprotect_rtcp(std::span<std::uint8_t> packet);
  CipherResult seal(std::uint64_t sequence, std::span<const std::uint8_t> aad,
                    std::span<const std::uint8_t> plaintext, std::span<std::uint8_t> out);
  CipherResult open(std::uint64_t sequence, std::span<const std::uint8_t> aad,
                    std::span<const std::uint8_t> ciphertext, std::span<std::uint8_t> out);

 private:
  struct RtpStream {
    std::uint32_t ssrc = 0;
    ReplayWindow window;  // its highest index is ROC || s_l of RFC 3711
  };
  struct RtcpStream {
    std::uint32_t ssrc = 0;
    std::uint32_t next_index = 0;  // sending side
    ReplayWindow window;           // receiving side
  };

  template <typename Stream>
  static Stream* find(std::vector<Stream>& streams, std::uint32_t ssrc);
  // Room for an authenticated packet's plaintext, so a forged one leaves the packet untouched.
  std::span<std::uint8_t> scratch(std::size_t bytes);

  SessionKeys keys_;
  std::uint64_t max_packets_per_key_;
  std::uint64_t rtp_protected_ = 0;
  std::uint64_t rtcp_protected_ = 0;
  std::uint64_t messages_sealed_ = 0;
  std::vector<RtpStream> rtp_streams_;
  std::vector<RtcpStream> rtcp_streams_;
  ReplayWindow message_window_;
  std::vector<std::uint8_t> scratch_;
};

}  // namespace parley::srtp
