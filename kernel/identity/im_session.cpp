#include "identity/im_session.hpp"

#include <algorithm>

#include "identity/media_keys.hpp"

namespace parley::identity {
namespace {

plugin::CipherContext message_context(const plugin::CipherPlugin& cipher,
                                      const TrafficSecret& secret,
                                      parley_cipher_direction direction) {
  const auto keys = secret.message_keys(key_sizes(cipher));
  return cipher.make_context(keys.master_key.view(), keys.master_salt.view(), direction);
}

const plugin::CipherPlugin& negotiated(const plugin::CipherPlugin& cipher,
                                       const HandshakeResult& handshake) {
  if (cipher.name() != handshake.cipher_suite) {
    throw IdentityError("the handshake negotiated " + handshake.cipher_suite + ", not " +
                        cipher.name());
  }
  return cipher;
}

// Bound to this handshake: a message cannot be moved into another session
// that happened to share keys. (Sized first, then copied: GCC 12 misreads a
// vector insert of this here as out of bounds.)
std::vector<std::uint8_t> message_aad(const Digest& transcript_hash) {
  std::vector<std::uint8_t> aad(kImAadLabel.size() + transcript_hash.size());
  const auto after_label = std::copy(kImAadLabel.begin(), kImAadLabel.end(), aad.begin());
  std::copy(transcript_hash.begin(), transcript_hash.end(), after_label);
  return aad;
}

}  // namespace

std::string_view im_failure_name(ImFailure failure) {
  switch (failure) {
    case ImFailure::none: return "none";
    case ImFailure::too_large: return "too_large";
    case ImFailure::malformed: return "malformed";
    case ImFailure::replayed: return "replayed";
    case ImFailure::authentication: return "authentication";
    case ImFailure::limit: return "limit";
    case ImFailure::cipher_error: return "cipher_error";
  }
  return "unknown";
}

ImSession::ImSession(const plugin::CipherPlugin& cipher, const HandshakeResult& handshake)
    : ImSession(negotiated(cipher, handshake), handshake.outbound, handshake.inbound,
                handshake.transcript_hash) {}

ImSession::ImSession(const plugin::CipherPlugin& cipher, const TrafficSecret& outbound,
                     const TrafficSecret& inbound, const Digest& transcript_hash)
    : outbound_(message_context(cipher, outbound, PARLEY_CIPHER_OUTBOUND)),
      inbound_(message_context(cipher, inbound, PARLEY_CIPHER_INBOUND)),
      aad_(message_aad(transcript_hash)) {
  if (outbound.direction() == inbound.direction()) {
    throw IdentityError("a message session needs one secret per direction");
  }
}

ImSealed ImSession::seal(std::span<const std::uint8_t> plaintext) {
  if (plaintext.size() > kMaxImPlaintextBytes) return {{}, ImFailure::too_large};
  const std::uint64_t sequence = last_sealed_ + 1;
  const std::size_t tag_bytes = outbound_.plugin().info().auth_tag_bytes;
  std::vector<std::uint8_t> wire(kImSequenceBytes + plaintext.size() + tag_bytes);
  for (std::size_t i = 0; i < kImSequenceBytes; ++i) {
    wire[i] = static_cast<std::uint8_t>(sequence >> (8 * (kImSequenceBytes - 1 - i)));
  }
  const auto result =
      outbound_.seal(sequence, aad_, plaintext, std::span(wire).subspan(kImSequenceBytes));
  if (!result.ok()) {
    return {{}, result.status == PARLEY_ERR_LIMIT ? ImFailure::limit : ImFailure::cipher_error};
  }
  wire.resize(kImSequenceBytes + result.size);
  last_sealed_ = sequence;
  ++counters_.sealed;
  return {std::move(wire), ImFailure::none};
}

ImOpened ImSession::open(std::span<const std::uint8_t> wire) {
  const std::size_t tag_bytes = inbound_.plugin().info().auth_tag_bytes;
  if (wire.size() > kImSequenceBytes + kMaxImPlaintextBytes + tag_bytes) {
    ++counters_.malformed;
    return {{}, 0, ImFailure::too_large};
  }
  if (wire.size() < kImSequenceBytes + tag_bytes) {
    ++counters_.malformed;
    return {{}, 0, ImFailure::malformed};
  }
  std::uint64_t sequence = 0;
  for (std::size_t i = 0; i < kImSequenceBytes; ++i) sequence = (sequence << 8) | wire[i];
  if (sequence == 0) {
    ++counters_.malformed;
    return {{}, 0, ImFailure::malformed};
  }
  if (sequence <= last_opened_) {
    ++counters_.replays_rejected;
    return {{}, sequence, ImFailure::replayed};
  }
  const auto ciphertext = wire.subspan(kImSequenceBytes);
  std::vector<std::uint8_t> plaintext(ciphertext.size());
  const auto result = inbound_.open(sequence, aad_, ciphertext, plaintext);
  if (!result.ok()) {
    if (result.status == PARLEY_ERR_REPLAY) {
      ++counters_.replays_rejected;
      return {{}, sequence, ImFailure::replayed};
    }
    if (result.status == PARLEY_ERR_AUTHENTICATION) {
      ++counters_.authentication_failures;
      return {{}, sequence, ImFailure::authentication};
    }
    return {{}, sequence, ImFailure::cipher_error};
  }
  plaintext.resize(result.size);
  last_opened_ = sequence;
  ++counters_.opened;
  return {std::move(plaintext), sequence, ImFailure::none};
}

}  // namespace parley::identity
