// RFC 7714's own test vectors (sections 16 and 17), byte for byte. They give
// session keys, not master keys, so the engine is keyed directly and the KDF is
// checked on its own (kdf_vectors_test.cpp) and against libsrtp (interop test).
// An IV or AAD that is wrong but self-consistent would pass every round trip;
// only numbers we did not produce can catch it.
#include <gtest/gtest.h>

#include "../hex.hpp"
#include "evp_aead.hpp"
#include "srtp_session.hpp"

namespace {

using parley::srtp::EvpAead;
using parley::srtp::Salt;
using parley::srtp::Session;
using parley::test::from_hex;
using Bytes = std::vector<std::uint8_t>;

// Section 16: "The 16-octet (128-bit) key is 00 01 02 ... 0f, and the 32-octet
// (256-bit) key is 00 01 02 ... 1f"; the salt is ASCII "Quid pro quo".
constexpr std::string_view kKey128 = "000102030405060708090a0b0c0d0e0f";
constexpr std::string_view kKey256 =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr std::string_view kSalt = "517569642070726f2071756f";

constexpr std::string_view kRtpPacket =
    "8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976"
    "69736120 696e2070 61727465 73207472 6573";

// Section 16.1.1, "Encrypted and tagged packet".
constexpr std::string_view kRtpAes128 =
    "8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5"
    "0d294e6f 42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439"
    "0cce";

// Section 16.2.1, "Encrypted and tagged packet".
constexpr std::string_view kRtpAes256 =
    "8040f17b 8041f8d3 5501a0b2 32b1de78 a822fe12 ef9f78fa 332e33aa b1801238"
    "9a58e2f3 b50b2a02 76ffae0f 1ba63799 b87b7aa3 db36dfff d6b0f9bb 7878d7a7"
    "6c13";

// Section 17.1, "Encrypting the following packet" (SRTCP index 000005d4).
constexpr std::string_view kRtcpPacket =
    "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61"
    "deadbeef deadbeef deadbeef deadbeef deadbeef";

// Section 17.1, "Encrypted and tagged packet" (AES-128, E-flag set).
constexpr std::string_view kRtcpAes128 =
    "81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d"
    "c676a5f1 730d6fda 4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872"
    "45d9eade 800005d4";

// Section 17.2, "Decrypting the following packet" (AES-256).
constexpr std::string_view kRtcpAes256 =
    "81c8000d 4d617273 d50ae4d1 f5ce5d30 4ba297e4 7d470c28 2c3ece5d bffe0a50"
    "a2eaa5c1 110555be 8415f658 c61de047 6f1b6fad 1d1eb30c 4446839f 57ff6f6c"
    "b26ac3be 800005d4";

// Section 17.3, "Tagged packet" (AES-128, E-flag clear: authenticated, not encrypted).
constexpr std::string_view kRtcpTaggedAes128 =
    "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61"
    "deadbeef deadbeef deadbeef deadbeef deadbeef 841dd968 3dd78ec9 2ae58790"
    "125f62b3 000005d4";

// Section 17.4, "Verifying the following packet" (AES-256, E-flag clear).
constexpr std::string_view kRtcpTaggedAes256 =
    "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61"
    "deadbeef deadbeef deadbeef deadbeef deadbeef 91db4afb feee5a97 8fab4393"
    "ed2615fe 000005d4";

Salt rfc_salt() {
  Salt salt{};
  const auto bytes = from_hex(kSalt);
  std::copy(bytes.begin(), bytes.end(), salt.begin());
  return salt;
}

// A session keyed with the RFC's session key and salt on every channel.
Session rfc_session(const Bytes& key) {
  const EVP_CIPHER* cipher = key.size() == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
  const Salt salt = rfc_salt();
  parley::srtp::SessionKeys keys;
  keys.rtp = {std::make_unique<EvpAead>(cipher, key), salt};
  keys.rtcp = {std::make_unique<EvpAead>(cipher, key), salt};
  keys.message = {std::make_unique<EvpAead>(cipher, key), salt};
  return Session(std::move(keys), std::uint64_t{1} << 28);
}

Bytes protect_rtp(Session& session, const Bytes& plain) {
  Bytes buffer = plain;
  buffer.resize(plain.size() + 64);
  const auto result = session.protect_rtp(buffer, plain.size());
  EXPECT_TRUE(result.ok()) << result.status;
  buffer.resize(result.size);
  return buffer;
}

Bytes protect_rtcp(Session& session, const Bytes& plain) {
  Bytes buffer = plain;
  buffer.resize(plain.size() + 64);
  const auto result = session.protect_rtcp(buffer, plain.size());
  EXPECT_TRUE(result.ok()) << result.status;
  buffer.resize(result.size);
  return buffer;
}

Bytes unprotect_rtp(Session& session, Bytes wire) {
  const auto result = session.unprotect_rtp(wire);
  EXPECT_TRUE(result.ok()) << result.status;
  wire.resize(result.size);
  return wire;
}

Bytes unprotect_rtcp(Session& session, Bytes wire) {
  const auto result = session.unprotect_rtcp(wire);
  EXPECT_TRUE(result.ok()) << result.status;
  wire.resize(result.size);
  return wire;
}

TEST(Rfc7714, Section16_RtpIvIsSaltXorSsrcRocSeq) {
  const auto iv = parley::srtp::rtp_nonce(rfc_salt(), 0x5501a0b2, 0xf17b);
  EXPECT_EQ(Bytes(iv.begin(), iv.end()), from_hex("51 75 3c 65 80 c2 72 6f 20 71 84 14"));
}

TEST(Rfc7714, Section17_RtcpIvIsSaltXorSsrcIndex) {
  const auto iv = parley::srtp::rtcp_nonce(rfc_salt(), 0x4d617273, 0x000005d4);
  EXPECT_EQ(Bytes(iv.begin(), iv.end()), from_hex("51 75 24 05 52 03 72 6f 20 71 70 bb"));
}

TEST(Rfc7714, Section16_1_1_SrtpAes128GcmEncryption) {
  auto session = rfc_session(from_hex(kKey128));
  EXPECT_EQ(protect_rtp(session, from_hex(kRtpPacket)), from_hex(kRtpAes128));
}

TEST(Rfc7714, Section16_1_2_SrtpAes128GcmDecryption) {
  auto session = rfc_session(from_hex(kKey128));
  EXPECT_EQ(unprotect_rtp(session, from_hex(kRtpAes128)), from_hex(kRtpPacket));
}

TEST(Rfc7714, Section16_2_1_SrtpAes256GcmEncryption) {
  auto session = rfc_session(from_hex(kKey256));
  EXPECT_EQ(protect_rtp(session, from_hex(kRtpPacket)), from_hex(kRtpAes256));
}

TEST(Rfc7714, Section16_2_2_SrtpAes256GcmDecryption) {
  auto session = rfc_session(from_hex(kKey256));
  EXPECT_EQ(unprotect_rtp(session, from_hex(kRtpAes256)), from_hex(kRtpPacket));
}

TEST(Rfc7714, Section17_1_SrtcpAes128GcmEncryptionAndTagging) {
  auto session = rfc_session(from_hex(kKey128));
  // The sender's SRTCP index counts from 0: spend indices up to 0x5d4 first.
  for (std::uint32_t i = 0; i < 0x5d4; ++i) protect_rtcp(session, from_hex(kRtcpPacket));
  EXPECT_EQ(protect_rtcp(session, from_hex(kRtcpPacket)), from_hex(kRtcpAes128));
}

TEST(Rfc7714, Section17_1_SrtcpAes128GcmDecryptsBack) {
  auto session = rfc_session(from_hex(kKey128));
  EXPECT_EQ(unprotect_rtcp(session, from_hex(kRtcpAes128)), from_hex(kRtcpPacket));
}

TEST(Rfc7714, Section17_2_SrtcpAes256GcmVerificationAndDecryption) {
  auto session = rfc_session(from_hex(kKey256));
  EXPECT_EQ(unprotect_rtcp(session, from_hex(kRtcpAes256)), from_hex(kRtcpPacket));
}

TEST(Rfc7714, Section17_3_SrtcpAes128GcmTaggingOnlyVerifies) {
  // We always encrypt when sending; a peer may send E=0, and it must verify.
  auto session = rfc_session(from_hex(kKey128));
  EXPECT_EQ(unprotect_rtcp(session, from_hex(kRtcpTaggedAes128)), from_hex(kRtcpPacket));
}

TEST(Rfc7714, Section17_4_SrtcpAes256GcmTagVerification) {
  auto session = rfc_session(from_hex(kKey256));
  EXPECT_EQ(unprotect_rtcp(session, from_hex(kRtcpTaggedAes256)), from_hex(kRtcpPacket));
}

TEST(Rfc7714, AlteredVectorsDoNotVerifyAndStayUntouched) {
  for (const auto& [key, wire, rtcp] :
       {std::tuple{from_hex(kKey128), from_hex(kRtpAes128), false},
        std::tuple{from_hex(kKey256), from_hex(kRtpAes256), false},
        std::tuple{from_hex(kKey128), from_hex(kRtcpAes128), true},
        std::tuple{from_hex(kKey256), from_hex(kRtcpAes256), true},
        std::tuple{from_hex(kKey128), from_hex(kRtcpTaggedAes128), true}}) {
    // Header, first ciphertext octet, tag, and (SRTCP) the E-flag/index word.
    for (const std::size_t at :
         {std::size_t{3}, std::size_t{12}, wire.size() - 5, wire.size() - 1}) {
      auto session = rfc_session(key);
      Bytes altered = wire;
      altered[at] ^= 0x01;
      const Bytes sent = altered;
      const auto result = rtcp ? session.unprotect_rtcp(altered) : session.unprotect_rtp(altered);
      EXPECT_EQ(result.status, PARLEY_ERR_AUTHENTICATION) << "octet " << at;
      EXPECT_EQ(altered, sent);
    }
  }
}

}  // namespace
