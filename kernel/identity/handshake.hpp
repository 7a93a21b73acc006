// The end-to-end handshake (docs/e2e.md): two peers agree call and message
// keys over a path they do not trust (super nodes relay every message).
//
//   1 hello   initiator -> responder: ephemeral X25519 share, certificate,
//             offered cipher suites and codecs, nonce, timestamp
//   2 reply   responder -> initiator: its share, certificate, its own lists,
//             the choice, nonce, timestamp; signature and key confirmation
//   3 finish  initiator -> responder: signature and key confirmation
//
// Each side verifies the other's certificate against the pinned login server
// key and for the user it expects, and the other's Ed25519 signature over the
// transcript hash (hello and reply body exactly as they travelled). Keys come
// from HKDF-SHA256 over the X25519 secret, salted with that hash; the
// ephemeral keys are erased as soon as the secret is derived. The offered
// lists are in the transcript, and both sides recompute the choice from them,
// so a relay cannot downgrade the suite.
//
// Use: one Handshake per call attempt, fed every message that arrives for it
// with the current time. A step either gives a message to send (possibly
// none) or fails with a named reason; a failed handshake stays failed.
// Errors: peer input is answered with HandshakeFailure values; programming
// errors and OpenSSL failures throw IdentityError.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "identity/certificate.hpp"
#include "identity/handshake_keys.hpp"
#include "identity/handshake_messages.hpp"
#include "identity/signing_key.hpp"

namespace parley::identity {

// The signature context of transcript signatures (signing_key.hpp: one
// context per kind of signed message).
inline constexpr std::string_view kHandshakeContext = "parley call handshake v1";
// A first message older or newer than this (clock skew included) is stale; a
// responder remembers nonces for this long.
inline constexpr std::chrono::milliseconds kFreshnessWindow = std::chrono::seconds(60);

enum class HandshakeRole { initiator, responder };
std::string_view role_name(HandshakeRole role);

enum class HandshakeState {
  ready,            // initiator before start(); responder waiting for the hello
  awaiting_reply,   // initiator sent the hello
  awaiting_finish,  // responder sent the reply
  established,      // keys agreed and confirmed
  failed,           // refused; stays so
};
std::string_view state_name(HandshakeState state);

struct HandshakeConfig {
  const SigningKey* identity_key =
      nullptr;                            // certified by `certificate`; must outlive the handshake
  std::vector<std::uint8_t> certificate;  // this side's, as the login server issued it
  PublicKey login_server_key;             // pinned
  std::string peer_user;                  // whom this side expects at the other end
  Offers offers;                          // cipher suites and codecs, preference order
  EntropySource entropy;                  // empty: the system's; tests: reproducible
};

// A responder's memory of recent first messages, shared by all its
// handshakes: a nonce inside the freshness window is accepted once.
class ReplayGuard {
 public:
  explicit ReplayGuard(std::size_t capacity = 4096,
                       std::chrono::milliseconds window = kFreshnessWindow)
      : capacity_(capacity), window_(window) {}

  enum class Verdict { fresh, replayed, full };
  // Remembers nonce until timestamp + window. full: capacity nonces are still
  // inside their window (a flood); refusing is safer than forgetting one.
  Verdict admit(const HandshakeNonce& nonce, std::uint64_t timestamp_ms, Clock::time_point now);
  [[nodiscard]] std::chrono::milliseconds window() const { return window_; }
  [[nodiscard]] std::size_t size() const { return order_.size(); }

 private:
  struct Entry {
    std::string nonce;
    std::int64_t expires_ms;
  };
  std::size_t capacity_;
  std::chrono::milliseconds window_;
  std::deque<Entry> order_;  // by admission time, so expiries are nearly in order
  std::unordered_set<std::string> seen_;
};

// What an established handshake gives the call and message layers.
struct HandshakeResult {
  HandshakeRole role = HandshakeRole::initiator;
  std::string peer_user;
  Certificate peer_certificate;
  std::string cipher_suite;  // the negotiated suite (a cipher plugin's interface name)
  std::string codec;         // the negotiated codec; empty when none was offered
  Offers initiator_offers;
  Offers responder_offers;
  Digest transcript_hash{};
  std::string safety_number;  // handshake_keys.hpp: six groups of five digits
  TrafficSecret outbound;     // this side's sending direction, generation 0
  TrafficSecret inbound;
};

struct HandshakeStep {
  std::vector<std::uint8_t> send;  // the message for the peer; empty when there is none
  HandshakeFailure failure = HandshakeFailure::none;
  std::string reason;  // one sentence; never key material
  [[nodiscard]] bool ok() const { return failure == HandshakeFailure::none; }
};

class Handshake {
 public:
  static Handshake initiator(HandshakeConfig config);
  // guard must outlive the handshake.
  static Handshake responder(HandshakeConfig config, ReplayGuard& guard);

  Handshake(Handshake&&) noexcept;
  Handshake& operator=(Handshake&&) noexcept;
  ~Handshake();

  // Initiator only: the hello.
  HandshakeStep start(Clock::time_point now);
  // Any message that arrives for this handshake.
  HandshakeStep receive(std::span<const std::uint8_t> message, Clock::time_point now);

  [[nodiscard]] HandshakeRole role() const;
  [[nodiscard]] HandshakeState state() const;
  [[nodiscard]] HandshakeFailure failure() const;
  [[nodiscard]] const std::string& failure_reason() const;
  [[nodiscard]] const std::string& self_user() const;
  // When established. Throws IdentityError otherwise.
  [[nodiscard]] const HandshakeResult& result() const;
  // Moves the result (and its secrets) out; result() is then unusable.
  HandshakeResult take_result();

 private:
  struct State;
  explicit Handshake(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace parley::identity
