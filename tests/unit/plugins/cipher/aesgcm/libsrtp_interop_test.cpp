// Interoperability with libsrtp 2 (the reference SRTP implementation), through
// the whole stack: the built plugin loaded by the kernel's loader, its C table,
// the SDK adapter, the engine, OpenSSL. Same master key and salt on both sides,
// so this also pins the KDF with RFC 7714's 12-octet master salt. GCM is
// deterministic, so beyond "each side reads the other" the protected bytes must
// be identical. The sequence crosses 65535 -> 0, so the rollover counter is exercised.
#include <gtest/gtest.h>
#include <srtp2/srtp.h>

#include <random>

#include "plugin/cipher_plugin.hpp"
#include "plugin/plugin_registry.hpp"

namespace {

using parley::plugin::CipherContext;
using parley::plugin::CipherPlugin;
using Bytes = std::vector<std::uint8_t>;

constexpr std::size_t kRoom = 64;  // past the packet: SRTP_MAX_TRAILER_LEN is 16 + 4 + MKI

const parley::plugin::PluginRegistry& registry() {
  static const parley::plugin::PluginRegistry loaded = [] {
    parley::plugin::PluginRegistry r;
    r.add_file(PARLEY_AESGCM_PLUGIN);
    return r;
  }();
  return loaded;
}

CipherPlugin plugin_named(const std::string& name) {
  for (const auto& offer : registry().offers(PARLEY_KIND_CIPHER)) {
    if (offer.interface->name == name) return CipherPlugin(offer);
  }
  throw std::runtime_error("no cipher " + name + " in " PARLEY_AESGCM_PLUGIN);
}

// One libsrtp session: one direction, any SSRC, RFC 7714 policy with 16-octet tags.
class LibSrtp {
 public:
  LibSrtp(bool aes256, const Bytes& key_then_salt, srtp_ssrc_type_t direction) {
    static const bool initialised = srtp_init() == srtp_err_status_ok;
    EXPECT_TRUE(initialised);
    srtp_policy_t policy{};
    if (aes256) {
      srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtcp);
    } else {
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
    }
    policy.ssrc.type = direction;
    policy.key = const_cast<unsigned char*>(key_then_salt.data());  // libsrtp copies it
    policy.window_size = 128;
    const auto status = srtp_create(&session_, &policy);
    EXPECT_EQ(status, srtp_err_status_ok) << "libsrtp without AES-GCM support?";
  }
  LibSrtp(const LibSrtp&) = delete;
  LibSrtp& operator=(const LibSrtp&) = delete;
  ~LibSrtp() {
    if (session_ != nullptr) srtp_dealloc(session_);
  }

  Bytes protect(const Bytes& plain, bool rtcp) {
    Bytes buffer = plain;
    buffer.resize(plain.size() + kRoom);
    int size = static_cast<int>(plain.size());
    const auto status = rtcp ? srtp_protect_rtcp(session_, buffer.data(), &size)
                             : srtp_protect(session_, buffer.data(), &size);
    EXPECT_EQ(status, srtp_err_status_ok);
    buffer.resize(static_cast<std::size_t>(size));
    return buffer;
  }
  srtp_err_status_t unprotect(Bytes& wire, bool rtcp) {
    int size = static_cast<int>(wire.size());
    const auto status = rtcp ? srtp_unprotect_rtcp(session_, wire.data(), &size)
                             : srtp_unprotect(session_, wire.data(), &size);
    if (status == srtp_err_status_ok) wire.resize(static_cast<std::size_t>(size));
    return status;
  }

 private:
  srtp_t session_ = nullptr;
};

Bytes parley_protect(CipherContext& ctx, const Bytes& plain, bool rtcp) {
  Bytes buffer = plain;
  buffer.resize(plain.size() + kRoom);
  const auto result =
      rtcp ? ctx.protect_rtcp(buffer, plain.size()) : ctx.protect_rtp(buffer, plain.size());
  EXPECT_TRUE(result.ok()) << parley::plugin::describe_status(result.status);
  buffer.resize(result.size);
  return buffer;
}

Bytes parley_unprotect(CipherContext& ctx, Bytes wire, bool rtcp) {
  const auto result = rtcp ? ctx.unprotect_rtcp(wire) : ctx.unprotect_rtp(wire);
  EXPECT_TRUE(result.ok()) << parley::plugin::describe_status(result.status);
  wire.resize(result.size);
  return wire;
}

// Varied shapes: CSRCs, a header extension (RFC 8285), padding, payload sizes.
Bytes rtp_packet(std::uint16_t sequence, std::mt19937& random) {
  const int csrcs = sequence % 3;
  const bool extension = sequence % 4 == 1;
  const std::uint8_t padding = sequence % 5 == 2 ? 4 : 0;
  Bytes p{
      static_cast<std::uint8_t>(0x80 | (padding != 0 ? 0x20 : 0) | (extension ? 0x10 : 0) | csrcs),
      111,
      static_cast<std::uint8_t>(sequence >> 8),
      static_cast<std::uint8_t>(sequence),
      0,
      0,
      0,
      0,
      0xde,
      0xca,
      0xfb,
      0xad};
  for (int i = 0; i < csrcs; ++i) p.insert(p.end(), {0xc5, 0, 0, static_cast<std::uint8_t>(i)});
  if (extension) p.insert(p.end(), {0xbe, 0xde, 0, 1, 0x10, 0xaa, 0, 0});
  const std::size_t payload = 20 + random() % 300;
  for (std::size_t i = 0; i < payload; ++i) p.push_back(static_cast<std::uint8_t>(random()));
  if (padding != 0) p.insert(p.end(), {0, 0, 0, padding});
  return p;
}

Bytes rtcp_receiver_report(std::uint32_t stamp) {
  Bytes p{0x81, 201, 0, 7, 0xde, 0xca, 0xfb, 0xad};
  for (int i = 0; i < 24; ++i)
    p.push_back(static_cast<std::uint8_t>(stamp + static_cast<std::uint32_t>(i)));
  return p;
}

void interoperate(const std::string& name, bool aes256) {
  const auto plugin = plugin_named(name);
  std::mt19937 random(aes256 ? 256 : 128);
  Bytes key(plugin.info().master_key_bytes), salt(plugin.info().master_salt_bytes);
  for (auto& b : key) b = static_cast<std::uint8_t>(random());
  for (auto& b : salt) b = static_cast<std::uint8_t>(random());
  Bytes key_then_salt = key;
  key_then_salt.insert(key_then_salt.end(), salt.begin(), salt.end());

  auto parley_out = plugin.make_context(key, salt, PARLEY_CIPHER_OUTBOUND);
  auto parley_in = plugin.make_context(key, salt, PARLEY_CIPHER_INBOUND);
  LibSrtp srtp_out(aes256, key_then_salt, ssrc_any_outbound);
  LibSrtp srtp_in(aes256, key_then_salt, ssrc_any_inbound);

  // 65500 .. 65535, then 0 .. 99 with rollover counter 1.
  for (std::uint32_t n = 65500; n < 65636; ++n) {
    const auto sequence = static_cast<std::uint16_t>(n);
    SCOPED_TRACE("RTP sequence " + std::to_string(sequence));
    const auto plain = rtp_packet(sequence, random);
    const auto ours = parley_protect(parley_out, plain, false);
    const auto theirs = srtp_out.protect(plain, false);
    EXPECT_EQ(ours, theirs) << "same key, index and packet must give the same bytes";

    Bytes read_by_libsrtp = ours;
    ASSERT_EQ(srtp_in.unprotect(read_by_libsrtp, false), srtp_err_status_ok);
    EXPECT_EQ(read_by_libsrtp, plain);
    EXPECT_EQ(parley_unprotect(parley_in, theirs, false), plain);
  }

  // libsrtp's first SRTCP index is 1; spend our index 0 so the bytes line up.
  (void)parley_protect(parley_out, rtcp_receiver_report(0), true);
  for (std::uint32_t i = 1; i <= 20; ++i) {
    SCOPED_TRACE("SRTCP index " + std::to_string(i));
    const auto plain = rtcp_receiver_report(i);
    const auto ours = parley_protect(parley_out, plain, true);
    const auto theirs = srtp_out.protect(plain, true);
    EXPECT_EQ(ours, theirs);
    Bytes read_by_libsrtp = ours;
    ASSERT_EQ(srtp_in.unprotect(read_by_libsrtp, true), srtp_err_status_ok);
    EXPECT_EQ(read_by_libsrtp, plain);
    EXPECT_EQ(parley_unprotect(parley_in, theirs, true), plain);
  }

  // And libsrtp rejects what we would: a replay and an altered packet.
  const auto wire = parley_protect(parley_out, rtp_packet(100, random), false);
  Bytes copy = wire;
  ASSERT_EQ(srtp_in.unprotect(copy, false), srtp_err_status_ok);
  copy = wire;
  EXPECT_EQ(srtp_in.unprotect(copy, false), srtp_err_status_replay_fail);
  auto altered = parley_protect(parley_out, rtp_packet(101, random), false);
  altered[altered.size() / 2] ^= 0x04;
  EXPECT_EQ(srtp_in.unprotect(altered, false), srtp_err_status_auth_fail);
}

TEST(LibSrtpInterop, Aes128GcmBothWaysAcrossRollover) {
  interoperate("aes-128-gcm", false);
}

TEST(LibSrtpInterop, Aes256GcmBothWaysAcrossRollover) {
  interoperate("aes-256-gcm", true);
}

}  // namespace
