#include "net/tls_context.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <array>
#include <memory>
#include <stdexcept>

namespace parley::net {
namespace {

struct X509Release {
  void operator()(X509* certificate) const { X509_free(certificate); }
};

int pin_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

std::optional<identity::PublicKey> raw_ed25519(EVP_PKEY* key) {
  if (key == nullptr || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) return std::nullopt;
  identity::PublicKey out;
  std::size_t length = out.bytes.size();
  if (EVP_PKEY_get_raw_public_key(key, out.bytes.data(), &length) != 1 ||
      length != out.bytes.size()) {
    return std::nullopt;
  }
  return out;
}

// A minimal X.509 wrapper around the key: TLS needs a certificate to carry
// the public key, and nothing in it but the key is ever checked.
std::unique_ptr<X509, X509Release> self_signed_certificate(const identity::SigningKey& key) {
  std::unique_ptr<X509, X509Release> certificate(X509_new());
  std::array<unsigned char, 8> serial{};
  bool ok = certificate != nullptr && RAND_bytes(serial.data(), serial.size()) == 1;
  serial[0] &= 0x7f;  // a positive INTEGER
  if (ok) {
    BIGNUM* number = BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr);
    ok = number != nullptr && BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate.get()));
    BN_free(number);
  }
  constexpr long kDay_s = 24L * 3600;
  ok = ok && X509_set_version(certificate.get(), X509_VERSION_3) == 1 &&
       X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -kDay_s) != nullptr &&
       X509_gmtime_adj(X509_getm_notAfter(certificate.get()), 3650 * kDay_s) != nullptr &&
       X509_set_pubkey(certificate.get(), key.native()) == 1;
  X509_NAME* name = ok ? X509_get_subject_name(certificate.get()) : nullptr;
  ok = ok && name != nullptr &&
       X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                  reinterpret_cast<const unsigned char*>("parley"), -1, -1,
                                  0) == 1 &&
       X509_set_issuer_name(certificate.get(), name) == 1 &&
       // Ed25519 signs the whole message itself: no digest is named.
       X509_sign(certificate.get(), key.native(), nullptr) > 0;
  if (!ok) {
    throw std::runtime_error("cannot make the TLS certificate: " + take_openssl_errors());
  }
  return certificate;
}

void tls13_only(SSL_CTX* context) {
  if (SSL_CTX_set_min_proto_version(context, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION) != 1) {
    throw std::runtime_error("this OpenSSL cannot restrict TLS to version 1.3");
  }
}

void use_key(SSL_CTX* context, const identity::SigningKey& key) {
  const auto certificate = self_signed_certificate(key);
  if (SSL_CTX_use_certificate(context, certificate.get()) != 1 ||
      SSL_CTX_use_PrivateKey(context, key.native()) != 1 ||
      SSL_CTX_check_private_key(context) != 1) {
    throw std::runtime_error("cannot load the TLS key: " + take_openssl_errors());
  }
}

// Replaces chain building entirely: there is no chain, only the pinned key.
int verify_pinned_key(X509_STORE_CTX* store, void* /*unused*/) {
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* check =
      ssl != nullptr ? static_cast<PinCheck*>(SSL_get_ex_data(ssl, pin_index())) : nullptr;
  X509* leaf = X509_STORE_CTX_get0_cert(store);
  if (check == nullptr || leaf == nullptr) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  check->presented = raw_ed25519(X509_get0_pubkey(leaf));
  check->matched = check->presented.has_value() && *check->presented == check->expected;
  if (!check->matched) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  return 1;
}

// The peer may present any key; the application judges it.
int accept_any_key(X509_STORE_CTX* /*unused*/, void* /*unused*/) {
  return 1;
}

}  // namespace

std::string take_openssl_errors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    std::array<char, 256> line{};
    ERR_error_string_n(code, line.data(), line.size());
    if (!text.empty()) text += "; ";
    text += line.data();
  }
  return text.empty() ? "no OpenSSL error recorded" : text;
}

ssl::context make_server_tls_context(const identity::SigningKey& key, bool request_client_key) {
  ssl::context context(ssl::context::tls_server);
  SSL_CTX* native = context.native_handle();
  tls13_only(native);
  SSL_CTX_set_num_tickets(native, 0);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  use_key(native, key);
  if (request_client_key) {
    SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_cert_verify_callback(native, &accept_any_key, nullptr);
  } else {
    SSL_CTX_set_verify(native, SSL_VERIFY_NONE, nullptr);
  }
  return context;
}

ssl::context make_client_tls_context(const identity::SigningKey* client_key) {
  ssl::context context(ssl::context::tls_client);
  SSL_CTX* native = context.native_handle();
  tls13_only(native);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_cert_verify_callback(native, &verify_pinned_key, nullptr);
  if (client_key != nullptr) use_key(native, *client_key);
  return context;
}

ssl::context make_first_use_client_tls_context(const identity::SigningKey* client_key) {
  auto context = make_client_tls_context(client_key);
  SSL_CTX_set_cert_verify_callback(context.native_handle(), &accept_any_key, nullptr);
  return context;
}

void pin_server_key(SSL* ssl, PinCheck* check) {
  SSL_set_ex_data(ssl, pin_index(), check);
}

std::optional<identity::PublicKey> peer_public_key(SSL* ssl) {
  X509* certificate = SSL_get0_peer_certificate(ssl);
  if (certificate == nullptr) return std::nullopt;
  return raw_ed25519(X509_get0_pubkey(certificate));
}

}  // namespace parley::net
