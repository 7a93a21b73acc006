// TLS 1.3 contexts with public-key pinning instead of certificate authorities.
//
// A server's TLS certificate is self-signed with its Ed25519 key and made in
// memory at start; what a client trusts is that key, which it pinned in
// advance (from the login server's printout, a bootstrap list, or a super
// node's identity certificate). The TLS 1.3 handshake proves the server holds
// the private key (CertificateVerify), and the pin check compares the key in
// the presented certificate with the pinned one; nothing else in the
// certificate (names, dates, issuer) is trusted or needed.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <optional>

#include "identity/signing_key.hpp"

namespace parley::net {

namespace ssl = boost::asio::ssl;

// TLS 1.3 only (1.2 and older are refused in the handshake), no session
// tickets (no resumption state to keep or leak), and the certificate made
// from key. With request_client_key the client is asked for a certificate too
// and its key is exposed to the application, which decides what it means
// (e.g. compares it with the key in the client's identity certificate).
ssl::context make_server_tls_context(const identity::SigningKey& key, bool request_client_key);

// TLS 1.3 only; the server must present exactly the key pinned on each
// connection with pin_server_key(). client_key, when given, is presented to
// servers that ask for one.
ssl::context make_client_tls_context(const identity::SigningKey* client_key);
// The same context, but any Ed25519 key the server proves it holds is
// accepted: the caller compares peer_public_key() with what it recorded
// (trust on first use) before sending anything.
ssl::context make_first_use_client_tls_context(const identity::SigningKey* client_key);

// What the pin check saw on one connection (owned by the connection, which
// outlives its SSL object's handshake).
struct PinCheck {
  identity::PublicKey expected;
  std::optional<identity::PublicKey> presented;  // what the server offered
  bool matched = false;
};
void pin_server_key(SSL* ssl, PinCheck* check);

// The peer's Ed25519 key from its certificate, when it sent an Ed25519 one.
std::optional<identity::PublicKey> peer_public_key(SSL* ssl);

// OpenSSL's queued errors as one line, and cleared.
std::string take_openssl_errors();

}  // namespace parley::net
