#include "identity/media_keys.hpp"

#include <utility>

namespace parley::identity {
namespace {

std::uint64_t default_rekey_point(const plugin::CipherPlugin& cipher) {
  const auto limit = cipher.info().max_packets_per_key;
  return limit - limit / 16;
}

}  // namespace

CipherKeySizes key_sizes(const plugin::CipherPlugin& cipher) {
  return {cipher.info().master_key_bytes, cipher.info().master_salt_bytes};
}

std::vector<std::string> offered_cipher_suites(const std::vector<plugin::Ranked>& ranked) {
  std::vector<std::string> out;
  for (const auto& entry : ranked) {
    if (out.size() == kMaxCipherSuites) break;
    out.push_back(entry.offer.interface->name);
  }
  return out;
}

std::optional<plugin::Offer> find_cipher(const std::vector<plugin::Ranked>& ranked,
                                         std::string_view suite) {
  for (const auto& entry : ranked) {
    if (entry.offer.interface->name == suite) return entry.offer;
  }
  return std::nullopt;
}

plugin::CipherContext make_srtp_context(const plugin::CipherPlugin& cipher,
                                        const TrafficSecret& secret,
                                        parley_cipher_direction direction) {
  const auto keys = secret.srtp_keys(key_sizes(cipher));
  return cipher.make_context(keys.master_key.view(), keys.master_salt.view(), direction);
}

MediaContexts make_media_contexts(const plugin::CipherPlugin& cipher,
                                  const HandshakeResult& handshake) {
  if (cipher.name() != handshake.cipher_suite) {
    throw IdentityError("the handshake negotiated " + handshake.cipher_suite + ", not " +
                        cipher.name());
  }
  return {make_srtp_context(cipher, handshake.outbound, PARLEY_CIPHER_OUTBOUND),
          make_srtp_context(cipher, handshake.inbound, PARLEY_CIPHER_INBOUND)};
}

MediaKeys::MediaKeys(const plugin::CipherPlugin& cipher, TrafficSecret outbound,
                     TrafficSecret inbound, std::uint64_t rekey_after_packets)
    : cipher_(cipher),
      rekey_after_packets_(rekey_after_packets != 0 ? rekey_after_packets
                                                    : default_rekey_point(cipher)),
      outbound_secret_(std::move(outbound)),
      inbound_secret_(std::move(inbound)) {
  if (outbound_secret_.direction() == inbound_secret_.direction()) {
    throw IdentityError("media keys need one secret per direction");
  }
  outbound_.emplace(make_srtp_context(cipher_, outbound_secret_, PARLEY_CIPHER_OUTBOUND));
  inbound_.emplace(make_srtp_context(cipher_, inbound_secret_, PARLEY_CIPHER_INBOUND));
  counters_.outbound_generation = outbound_secret_.generation();
  counters_.inbound_generation = inbound_secret_.generation();
}

MediaKeys::MediaKeys(const plugin::CipherPlugin& cipher, const HandshakeResult& handshake,
                     std::uint64_t rekey_after_packets)
    : MediaKeys(cipher, handshake.outbound.copy(), handshake.inbound.copy(), rekey_after_packets) {
  if (cipher.name() != handshake.cipher_suite) {
    throw IdentityError("the handshake negotiated " + handshake.cipher_suite + ", not " +
                        cipher.name());
  }
}

void MediaKeys::rekey_outbound() {
  auto next = outbound_secret_.next();
  auto context = make_srtp_context(cipher_, next, PARLEY_CIPHER_OUTBOUND);
  outbound_.reset();
  outbound_.emplace(std::move(context));
  outbound_secret_ = std::move(next);  // the old generation's secret is wiped
  protected_this_generation_ = 0;
  counters_.outbound_generation = outbound_secret_.generation();
}

plugin::CipherResult MediaKeys::protect(Protect operation, std::span<std::uint8_t> buffer,
                                        std::size_t size) {
  if (protected_this_generation_ >= rekey_after_packets_) rekey_outbound();
  auto result = ((*outbound_).*operation)(buffer, size);
  if (result.status == PARLEY_ERR_LIMIT) {
    // The plugin's own limit came first (a smaller one than its info says):
    // the packet is untouched, so it can go out under the next generation.
    rekey_outbound();
    result = ((*outbound_).*operation)(buffer, size);
  }
  if (result.ok()) {
    ++protected_this_generation_;
    ++counters_.packets_protected;
  }
  return result;
}

plugin::CipherResult MediaKeys::unprotect(Unprotect operation, std::span<std::uint8_t> packet) {
  auto result = ((*inbound_).*operation)(packet);
  if (result.ok()) {
    ++counters_.packets_accepted;
    return result;
  }
  if (result.status != PARLEY_ERR_AUTHENTICATION) {
    if (result.status == PARLEY_ERR_REPLAY) ++counters_.replays_rejected;
    return result;
  }
  // Not the current generation: perhaps the peer moved to the next one.
  // A failed attempt leaves the packet untouched, so it can be tried again.
  if (!next_inbound_) {
    next_inbound_secret_.emplace(inbound_secret_.next());
    next_inbound_.emplace(make_srtp_context(cipher_, *next_inbound_secret_, PARLEY_CIPHER_INBOUND));
  }
  auto next_result = ((*next_inbound_).*operation)(packet);
  if (next_result.ok()) {
    previous_inbound_.reset();
    previous_inbound_.emplace(std::move(*inbound_));
    inbound_.reset();
    inbound_.emplace(std::move(*next_inbound_));
    next_inbound_.reset();
    inbound_secret_ = std::move(*next_inbound_secret_);
    next_inbound_secret_.reset();
    counters_.inbound_generation = inbound_secret_.generation();
    ++counters_.packets_accepted;
    return next_result;
  }
  if (previous_inbound_) {
    auto late_result = ((*previous_inbound_).*operation)(packet);
    if (late_result.ok()) {
      ++counters_.packets_accepted;
      ++counters_.late_packets_accepted;
      return late_result;
    }
    if (late_result.status == PARLEY_ERR_REPLAY) {
      ++counters_.replays_rejected;
      return late_result;
    }
  }
  ++counters_.authentication_failures;
  return result;
}

plugin::CipherResult MediaKeys::protect_rtp(std::span<std::uint8_t> buffer, std::size_t size) {
  return protect(&plugin::CipherContext::protect_rtp, buffer, size);
}

plugin::CipherResult MediaKeys::protect_rtcp(std::span<std::uint8_t> buffer, std::size_t size) {
  return protect(&plugin::CipherContext::protect_rtcp, buffer, size);
}

plugin::CipherResult MediaKeys::unprotect_rtp(std::span<std::uint8_t> packet) {
  return unprotect(&plugin::CipherContext::unprotect_rtp, packet);
}

plugin::CipherResult MediaKeys::unprotect_rtcp(std::span<std::uint8_t> packet) {
  return unprotect(&plugin::CipherContext::unprotect_rtcp, packet);
}

}  // namespace parley::identity
