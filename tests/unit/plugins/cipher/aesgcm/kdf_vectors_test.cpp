// The SRTP key derivation of RFC 3711 section 4.3 with the AES-CM PRF, against
// RFC 3711 Appendix B.3 (AES-128) and RFC 6188 section 7.2 (AES-256). Both use a
// 14-octet master salt; RFC 7714's 12-octet salt is the same PRF with the salt
// left-aligned, which the libsrtp interop test pins.
#include <gtest/gtest.h>

#include "../hex.hpp"
#include "aead_suite.hpp"
#include "srtp_kdf.hpp"

namespace {

using parley::srtp::derive_session_key;
using parley::srtp::KdfLabel;
using parley::test::from_hex;
using Bytes = std::vector<std::uint8_t>;

constexpr auto kRtpAuthentication = static_cast<KdfLabel>(0x01);  // unused by AEAD suites

Bytes derive(const Bytes& key, const Bytes& salt, KdfLabel label, std::size_t size) {
  Bytes out(size);
  derive_session_key(key, salt, label, out);
  return out;
}

TEST(SrtpKdf, Rfc3711AppendixB3Aes128) {
  const auto key = from_hex("E1F97A0D3E018BE0D64FA32C06DE4139");
  const auto salt = from_hex("0EC675AD498AFEEBB6960B3AABE6");
  EXPECT_EQ(derive(key, salt, KdfLabel::rtp_encryption, 16),
            from_hex("C61E7A93744F39EE10734AFE3FF7A087"));
  EXPECT_EQ(derive(key, salt, KdfLabel::rtp_salt, 14), from_hex("30CBBC08863D8C85D49DB34A9AE1"));
  EXPECT_EQ(derive(key, salt, kRtpAuthentication, 20),
            from_hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"));
}

TEST(SrtpKdf, Rfc6188Section7_2Aes256) {
  const auto key = from_hex("f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6");
  const auto salt = from_hex("3b04803de51ee7c96423ab5b78d2");
  EXPECT_EQ(derive(key, salt, KdfLabel::rtp_encryption, 32),
            from_hex("5ba1064e30ec51613cad926c5a28ef731ec7fb397f70a960653caf06554cd8c4"));
  EXPECT_EQ(derive(key, salt, KdfLabel::rtp_salt, 14), from_hex("fa31791685ca444a9e07c6c64e93"));
  EXPECT_EQ(derive(key, salt, kRtpAuthentication, 20),
            from_hex("fd9c32d39ed5fbb5a9dc96b30818454d1313dc05"));
}

TEST(SrtpKdf, TwelveOctetSaltIsLeftAlignedInThePrfInput) {
  // A 12-octet salt is the 14-octet one with two zero octets appended.
  const auto key = from_hex("E1F97A0D3E018BE0D64FA32C06DE4139");
  const auto salt12 = from_hex("0EC675AD498AFEEBB6960B3A");
  const auto salt14 = from_hex("0EC675AD498AFEEBB6960B3A0000");
  for (auto label : {KdfLabel::rtp_encryption, KdfLabel::rtp_salt, KdfLabel::rtcp_encryption,
                     KdfLabel::rtcp_salt, KdfLabel::message_encryption}) {
    EXPECT_EQ(derive(key, salt12, label, 16), derive(key, salt14, label, 16));
  }
}

TEST(SrtpKdf, EveryLabelGivesADifferentKeyAndAllKeyBitsMatter) {
  auto key = from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  const auto salt = from_hex("517569642070726f2071756f");
  std::vector<Bytes> seen;
  for (auto label : {KdfLabel::rtp_encryption, KdfLabel::rtp_salt, KdfLabel::rtcp_encryption,
                     KdfLabel::rtcp_salt, KdfLabel::message_encryption, KdfLabel::message_salt}) {
    seen.push_back(derive(key, salt, label, 32));
  }
  for (std::size_t i = 0; i < seen.size(); ++i) {
    for (std::size_t j = i + 1; j < seen.size(); ++j) EXPECT_NE(seen[i], seen[j]);
  }
  // A KDF that used only the first 16 octets of a 256-bit key would pass the above.
  const auto before = derive(key, salt, KdfLabel::rtp_encryption, 32);
  key[31] ^= 1;
  EXPECT_NE(derive(key, salt, KdfLabel::rtp_encryption, 32), before);
}

TEST(SrtpKdf, RefusesSizesThePrfCannotTake) {
  Bytes out(16);
  EXPECT_THROW(derive_session_key(Bytes(15), Bytes(12), KdfLabel::rtp_encryption, out),
               parley::sdk::Error);
  EXPECT_THROW(derive_session_key(Bytes(16), Bytes(15), KdfLabel::rtp_encryption, out),
               parley::sdk::Error);
}

}  // namespace
