// Shared by the e2e tests: a real login server key issuing real certificates
// to real identity keys, handshakes run in memory, the messages edited the way
// a relay on the path could, and the cipher plugins of this build.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "identity/certificate.hpp"
#include "identity/handshake.hpp"
#include "plugin/cipher_plugin.hpp"
#include "plugin/plugin_registry.hpp"
#include "plugin/policy.hpp"
#include "plugin/selection.hpp"
#include "proto/handshake.pb.h"

namespace parley::e2e_test {

using namespace parley::identity;
using Bytes = std::vector<std::uint8_t>;
namespace wire = parley::handshake;

inline Offers alice_offers() {
  return {{"aes-256-gcm", "chacha20-poly1305", "aes-128-gcm"}, {"opus", "pcmu"}};
}
inline Offers bob_offers() {
  return {{"chacha20-poly1305", "aes-256-gcm"}, {"pcmu", "opus", "gsm"}};
}

struct Party {
  std::string user;
  SigningKey key;
  Bytes certificate;
};

class World {
 public:
  World() : server_(SigningKey::generate()), now_(Clock::now()) {}

  [[nodiscard]] const SigningKey& server() const { return server_; }
  [[nodiscard]] Clock::time_point now() const { return now_; }

  // A user whose certificate from `issuer` is valid from an hour ago for a day,
  // or over the given times.
  Party party(const std::string& user) const { return party(user, server_); }
  Party party(const std::string& user, const SigningKey& issuer) const {
    const auto now_s = unix_seconds(now_);
    return party(user, issuer, now_s - 3600, now_s + 86400);
  }
  Party party(const std::string& user, const SigningKey& issuer, std::int64_t not_before_s,
              std::int64_t not_after_s) const {
    auto key = SigningKey::generate();
    auto certificate = encode_certificate(
        issue_certificate(issuer, user, key.public_key(), not_before_s, not_after_s, ++serial_));
    return {user, std::move(key), std::move(certificate)};
  }

  HandshakeConfig config(const Party& self, const std::string& peer, const Offers& offers) const {
    HandshakeConfig config;
    config.identity_key = &self.key;
    config.certificate = self.certificate;
    config.login_server_key = server_.public_key();
    config.peer_user = peer;
    config.offers = offers;
    return config;
  }

 private:
  SigningKey server_;
  Clock::time_point now_;
  mutable std::uint64_t serial_ = 1000;
};

// The three messages of one run, as they left each side.
struct Flight {
  Bytes hello;
  Bytes reply;
  Bytes finish;
};

// Runs a handshake to the end, asserting each step succeeds.
inline Flight complete(Handshake& initiator, Handshake& responder, Clock::time_point now) {
  Flight flight;
  auto hello = initiator.start(now);
  EXPECT_TRUE(hello.ok()) << hello.reason;
  flight.hello = hello.send;
  auto reply = responder.receive(flight.hello, now);
  EXPECT_TRUE(reply.ok()) << reply.reason;
  flight.reply = reply.send;
  auto finish = initiator.receive(flight.reply, now);
  EXPECT_TRUE(finish.ok()) << finish.reason;
  flight.finish = finish.send;
  auto done = responder.receive(flight.finish, now);
  EXPECT_TRUE(done.ok()) << done.reason;
  EXPECT_TRUE(done.send.empty());
  return flight;
}

inline Bytes to_bytes(const std::string& text) {
  return {text.begin(), text.end()};
}

inline wire::HandshakeMessage envelope_of(const Bytes& message) {
  wire::HandshakeMessage envelope;
  EXPECT_TRUE(envelope.ParseFromArray(message.data(), static_cast<int>(message.size())));
  return envelope;
}

// A relay's edits: decode, change a field, encode again.
inline Bytes edit_hello(const Bytes& message, const std::function<void(wire::Hello&)>& edit) {
  auto envelope = envelope_of(message);
  wire::Hello hello;
  EXPECT_TRUE(hello.ParseFromString(envelope.hello()));
  edit(hello);
  envelope.set_hello(hello.SerializeAsString());
  return to_bytes(envelope.SerializeAsString());
}

inline Bytes edit_reply(const Bytes& message, const std::function<void(wire::Reply&)>& edit) {
  auto envelope = envelope_of(message);
  edit(*envelope.mutable_reply());
  return to_bytes(envelope.SerializeAsString());
}

inline Bytes edit_reply_body(const Bytes& message,
                             const std::function<void(wire::ReplyBody&)>& edit) {
  return edit_reply(message, [&](wire::Reply& reply) {
    wire::ReplyBody body;
    EXPECT_TRUE(body.ParseFromString(reply.body()));
    edit(body);
    reply.set_body(body.SerializeAsString());
  });
}

inline Bytes edit_finish(const Bytes& message, const std::function<void(wire::Finish&)>& edit) {
  auto envelope = envelope_of(message);
  edit(*envelope.mutable_finish());
  return to_bytes(envelope.SerializeAsString());
}

inline void flip_bit(std::string& field, std::size_t at = 0) {
  field[at] = static_cast<char>(field[at] ^ 0x01);
}

// The cipher plugins of this build, loaded by the kernel's loader.
inline const plugin::PluginRegistry& cipher_registry() {
  static const plugin::PluginRegistry registry = [] {
    plugin::PluginRegistry loaded;
    for (const char* path : {PARLEY_E2E_AESGCM_PLUGIN, PARLEY_E2E_CHACHA20_PLUGIN}) {
      const auto& record = loaded.add_file(path);
      if (!record.loaded) ADD_FAILURE() << "cipher plugin " << path << ": " << record.reason;
    }
    return loaded;
  }();
  return registry;
}

inline std::vector<plugin::Ranked> ranked_ciphers(const std::vector<std::string>& prefer) {
  return plugin::rank(cipher_registry().offers(PARLEY_KIND_CIPHER), PARLEY_KIND_CIPHER, prefer,
                      plugin::Policy{});
}

inline plugin::CipherPlugin cipher_named(const std::string& name) {
  for (const auto& offer : cipher_registry().offers(PARLEY_KIND_CIPHER)) {
    if (offer.interface->name == name) return plugin::CipherPlugin(offer);
  }
  throw std::runtime_error("no cipher plugin " + name + " in this build");
}

// Readable keys in assertions without printing them: fingerprints only.
inline std::string fingerprint_of(const ContextKeys& keys) {
  return keys.master_key.fingerprint() + "/" + keys.master_salt.fingerprint();
}

}  // namespace parley::e2e_test
