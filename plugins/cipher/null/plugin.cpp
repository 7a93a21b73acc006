// cipher-null: no confidentiality and no integrity, for experiments and for
// reading media in a packet capture. Packets pass through unchanged, but the
// replay window, the rollover counter and the SRTCP index word are the real
// ones (the shared SRTP engine), so a call behaves exactly as with a real suite.
// Flagged INSECURE: the kernel offers it only with policy.allow_insecure_cipher.
#include <algorithm>

#include "srtp_session.hpp"

namespace {

using parley::sdk::CipherDirection;
using parley::sdk::CipherInfo;
using parley::srtp::Aad;
using parley::srtp::Nonce;

class PassThrough final : public parley::srtp::PacketAead {
 public:
  [[nodiscard]] std::size_t tag_bytes() const override { return 0; }
  [[nodiscard]] bool encrypts() const override { return false; }
  parley_status seal(const Nonce& /*nonce*/, const Aad& /*aad*/, std::span<std::uint8_t> /*data*/,
                     std::span<std::uint8_t> /*tag*/) override {
    return PARLEY_OK;
  }
  parley_status open(const Nonce& /*nonce*/, const Aad& /*aad*/,
                     std::span<const std::uint8_t> ciphertext,
                     std::span<const std::uint8_t> /*tag*/,
                     std::span<std::uint8_t> plaintext) override {
    if (plaintext.data() != ciphertext.data()) {
      std::copy(ciphertext.begin(), ciphertext.end(), plaintext.begin());
    }
    return PARLEY_OK;
  }
};

parley::srtp::SessionKeys pass_through_keys() {
  parley::srtp::SessionKeys keys;
  keys.rtp.aead = std::make_unique<PassThrough>();
  keys.rtcp.aead = std::make_unique<PassThrough>();
  keys.message.aead = std::make_unique<PassThrough>();
  return keys;
}

struct NullCipher {
  static CipherInfo info() {
    CipherInfo info;
    info.suite_name = "NULL";
    info.flags = PARLEY_CIPHER_FLAG_INSECURE;
    // No key to wear out; the limit is the SRTP index space (RFC 3711 section 9.2).
    info.max_packets_per_key = std::uint64_t{1} << 48;
    return info;
  }

  class Context : public parley::srtp::Session {
   public:
    Context(std::span<const std::uint8_t> /*key*/, std::span<const std::uint8_t> /*salt*/,
            CipherDirection /*direction*/)
        : Session(pass_through_keys(), info().max_packets_per_key) {}
  };
};

constexpr parley::sdk::PluginInfo kInfo{
    .id = "org.parley.cipher.null",
    .display_name = "Null cipher (insecure)",
    .version = "1.0.0",
    .license = "LGPL-2.1-or-later",
    .description = "No encryption or authentication; replay window only. Experiments only",
};

}  // namespace

// Lowest score: never chosen where any real suite is available.
PARLEY_PLUGIN(kInfo, parley::sdk::cipher<NullCipher>("null", -100))
