// A reproducible world for the call_signal fuzz target and its seed writer:
// a fixed login server key, alice's fixed identity key and certificate, and a
// fixed clock. Ed25519 signatures are deterministic, so the signed seeds are
// the same bytes every time and still verify when replayed.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "call/call_signal.hpp"
#include "handshake_messages_fuzz.hpp"  // key_from_seed
#include "identity/certificate.hpp"

namespace parley::call_signal_fuzz {

using Bytes = std::vector<std::uint8_t>;

// 2026-01-01T00:00:00Z: the world's "now"; messages are sent at this instant.
inline constexpr std::int64_t kNowS = 1767225600;

class FuzzWorld {
 public:
  static const FuzzWorld& get() {
    static const FuzzWorld world;
    return world;
  }
  [[nodiscard]] identity::Clock::time_point now() const {
    return identity::Clock::time_point(std::chrono::seconds(kNowS));
  }
  [[nodiscard]] const identity::PublicKey& server_key() const { return server_.public_key(); }

  // A message from alice to bob in call 0123...ef, sequence 1, sent now.
  [[nodiscard]] call::CallMessage message() const {
    call::CallMessage message;
    message.set_call_id("0123456789abcdef0123456789abcdef");
    message.set_from_user("alice");
    message.set_to_user("bob");
    message.set_sequence(1);
    message.set_sent_at_ms(static_cast<std::uint64_t>(kNowS) * 1000);
    return message;
  }
  [[nodiscard]] Bytes sign(const call::CallMessage& message) const {
    return call::sign_call_message(message, alice_, alice_certificate_);
  }

 private:
  FuzzWorld()
      : server_(handshake_fuzz::key_from_seed(0x5e)),
        alice_(handshake_fuzz::key_from_seed(0xa1)),
        alice_certificate_(identity::encode_certificate(identity::issue_certificate(
            server_, "alice", alice_.public_key(), kNowS - 3600, kNowS + 86400, 42))) {}

  identity::SigningKey server_;
  identity::SigningKey alice_;
  Bytes alice_certificate_;
};

}  // namespace parley::call_signal_fuzz
