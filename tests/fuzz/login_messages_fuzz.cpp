// Every message the login server reads from the network passes through
// decode_client_message() first; clients read the server's answers through
// decode_server_message(). Both must refuse anything out of bounds without
// crashing, and anything they accept must survive a round trip.
#include <cstdint>
#include <span>

#include "identity/login_protocol.hpp"
#include "replay_main.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace parley::login;
  const std::span<const std::uint8_t> bytes(data, size);

  const auto client = decode_client_message(bytes);
  if (client.request) {
    if (const auto* login = std::get_if<LoginCommand>(&*client.request)) {
      // Checking a proof over attacker-chosen bytes must be safe too.
      const Nonce nonce{};
      (void)parley::identity::verify_signature(
          login->identity_key, parley::identity::kLoginProofContext,
          login_proof_message(nonce, login->user_id, login->identity_key, login->identity_key),
          login->proof);
      if (login->user_id.empty() || login->user_id.size() > 64) __builtin_trap();
      if (login->password.size() > kMaxPasswordBytes) __builtin_trap();
    }
    if (const auto* renew = std::get_if<RenewCommand>(&*client.request)) {
      if (parley::identity::encode_certificate(renew->certificate) != renew->certificate_bytes) {
        __builtin_trap();  // one certificate, one encoding
      }
    }
  } else if (client.error == OK || client.reason.empty()) {
    __builtin_trap();  // a refusal always says why
  }

  const auto server = decode_server_message(bytes);
  if (server.message) {
    const auto again = serialize(*server.message);
    if (!decode_server_message(again).message) __builtin_trap();
  }
  return 0;
}
