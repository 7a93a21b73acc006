#include "aead_suite.hpp"

#include <openssl/crypto.h>

#include <array>

#include "evp_aead.hpp"
#include "srtp_kdf.hpp"

namespace parley::srtp {
namespace {

constexpr std::size_t kMaxKeyBytes = 32;

// One session key and salt, wiped from the stack once OpenSSL has its key schedule.
KeyedAead derive_keyed(const AeadSuite& suite, std::span<const std::uint8_t> master_key,
                       std::span<const std::uint8_t> master_salt, KdfLabel key_label,
                       KdfLabel salt_label) {
  std::array<std::uint8_t, kMaxKeyBytes> key{};
  const auto session_key = std::span(key).first(suite.master_key_bytes);
  KeyedAead keyed;
  try {
    derive_session_key(master_key, master_salt, key_label, session_key);
    derive_session_key(master_key, master_salt, salt_label, keyed.salt);
    keyed.aead = std::make_unique<EvpAead>(suite.aead(), session_key);
  } catch (...) {
    OPENSSL_cleanse(key.data(), key.size());
    throw;
  }
  OPENSSL_cleanse(key.data(), key.size());
  return keyed;
}

}  // namespace

sdk::CipherInfo cipher_info(const AeadSuite& suite) {
  sdk::CipherInfo info;
  info.suite_name = suite.suite_name;
  info.master_key_bytes = suite.master_key_bytes;
  info.master_salt_bytes = kMasterSaltBytes;
  info.auth_tag_bytes = EvpAead::kTagBytes;
  info.max_packets_per_key = suite.max_packets_per_key;
  return info;
}

SessionKeys derive_session_keys(const AeadSuite& suite, std::span<const std::uint8_t> master_key,
                                std::span<const std::uint8_t> master_salt) {
  if (master_key.size() != suite.master_key_bytes || master_key.size() > kMaxKeyBytes ||
      master_salt.size() != kMasterSaltBytes) {
    throw sdk::Error(PARLEY_ERR_INVALID_ARGUMENT, "master key or salt has the wrong size");
  }
  SessionKeys keys;
  keys.rtp =
      derive_keyed(suite, master_key, master_salt, KdfLabel::rtp_encryption, KdfLabel::rtp_salt);
  keys.rtcp =
      derive_keyed(suite, master_key, master_salt, KdfLabel::rtcp_encryption, KdfLabel::rtcp_salt);
  keys.message = derive_keyed(suite, master_key, master_salt, KdfLabel::message_encryption,
                              KdfLabel::message_salt);
  return keys;
}

}  // namespace parley::srtp
