// A reproducible handshake world for the handshake_messages fuzz target and
// its seed writer: fixed identity keys (from fixed seeds), certificates from a
// fixed login server key, a fixed clock and fixed "random" bytes, so the
// messages of an honest run are the same bytes every time and a saved reply
// or finish still matches the handshake it is fed to.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "identity/certificate.hpp"
#include "identity/handshake.hpp"

namespace parley::handshake_fuzz {

using namespace parley::identity;
using Bytes = std::vector<std::uint8_t>;

// Input byte 0 (modulo 4) picks where the rest goes.
enum Target : std::uint8_t {
  kDecodeOnly = 0,        // decode_handshake_message
  kHelloToResponder = 1,  // a fresh responder
  kReplyToInitiator = 2,  // an initiator that sent the fixed hello
  kFinishToResponder = 3  // a responder that answered the fixed hello
};

// An Ed25519 key from a 32-byte seed: PKCS#8 DER (RFC 8410) in PEM.
inline SigningKey key_from_seed(std::uint8_t fill) {
  std::array<std::uint8_t, 48> der = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                                      0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
  std::fill(der.begin() + 16, der.end(), fill);
  std::array<unsigned char, 80> base64{};
  const int length = EVP_EncodeBlock(base64.data(), der.data(), static_cast<int>(der.size()));
  const std::string pem =
      "-----BEGIN PRIVATE KEY-----\n" +
      std::string(reinterpret_cast<const char*>(base64.data()), static_cast<std::size_t>(length)) +
      "\n-----END PRIVATE KEY-----\n";
  return SigningKey::from_pem(pem);
}

// A byte stream that depends only on its seed, one per handshake.
inline EntropySource fixed_entropy(std::uint8_t seed) {
  auto next = std::make_shared<std::uint32_t>(seed * 2654435761u);
  return [next](std::span<std::uint8_t> out) {
    for (auto& byte : out) {
      *next = *next * 1664525u + 1013904223u;
      byte = static_cast<std::uint8_t>(*next >> 24);
    }
  };
}

class FuzzWorld {
 public:
  static const FuzzWorld& get() {
    static const FuzzWorld world;
    return world;
  }

  [[nodiscard]] Clock::time_point now() const { return now_; }

  [[nodiscard]] HandshakeConfig alice_config() const {
    return config(alice_key_, alice_certificate_, "bob", 0xa1);
  }
  [[nodiscard]] HandshakeConfig bob_config() const {
    return config(bob_key_, bob_certificate_, "alice", 0xb0);
  }

  // The fixed hello, from an initiator now waiting for the reply.
  Handshake started_initiator(Bytes* hello) const {
    auto initiator = Handshake::initiator(alice_config());
    auto step = initiator.start(now_);
    if (hello != nullptr) *hello = std::move(step.send);
    return initiator;
  }

  // A responder that answered the fixed hello, now waiting for the finish.
  Handshake answered_responder(ReplayGuard& guard, Bytes* reply) const {
    Bytes hello;
    (void)started_initiator(&hello);
    auto responder = Handshake::responder(bob_config(), guard);
    auto step = responder.receive(hello, now_);
    if (reply != nullptr) *reply = std::move(step.send);
    return responder;
  }

 private:
  FuzzWorld()
      : server_(key_from_seed(0x01)),
        alice_key_(key_from_seed(0x02)),
        bob_key_(key_from_seed(0x03)),
        now_(std::chrono::seconds(1700000000)) {
    const auto now_s = unix_seconds(now_);
    alice_certificate_ = encode_certificate(issue_certificate(
        server_, "alice", alice_key_.public_key(), now_s - 3600, now_s + 86400, 1));
    bob_certificate_ = encode_certificate(
        issue_certificate(server_, "bob", bob_key_.public_key(), now_s - 3600, now_s + 86400, 2));
  }

  HandshakeConfig config(const SigningKey& key, const Bytes& certificate, const std::string& peer,
                         std::uint8_t entropy_seed) const {
    HandshakeConfig config;
    config.identity_key = &key;
    config.certificate = certificate;
    config.login_server_key = server_.public_key();
    config.peer_user = peer;
    config.offers = {{"aes-256-gcm", "chacha20-poly1305"}, {"opus", "pcmu"}};
    config.entropy = fixed_entropy(entropy_seed);
    return config;
  }

  SigningKey server_;
  SigningKey alice_key_;
  SigningKey bob_key_;
  Clock::time_point now_;
  Bytes alice_certificate_;
  Bytes bob_certificate_;
};

}  // namespace parley::handshake_fuzz
