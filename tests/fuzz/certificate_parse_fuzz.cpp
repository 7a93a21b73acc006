// Certificates arrive from peers (call handshakes), super nodes and the login
// server. The parser must refuse anything but the one canonical encoding, and
// verification must give a status with a reason for any input.
#include <cstdint>
#include <span>

#include "identity/certificate.hpp"
#include "replay_main.hpp"

namespace {

const parley::identity::PublicKey& pinned_key() {
  // A fixed key: inputs cannot be signed by it, so nothing may verify.
  static const auto key = *parley::identity::PublicKey::from_text(
      "ed25519:uwlDHA7IvVH7aTksl2l0mi5uZMeV0NbJIukmEChqsZE=");
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace parley::identity;
  const std::span<const std::uint8_t> bytes(data, size);
  const auto parsed = parse_certificate(bytes);
  if (parsed.certificate) {
    // Canonical: what parsed re-encodes to the same bytes.
    const auto encoded = encode_certificate(*parsed.certificate);
    if (encoded.size() != size || !std::equal(encoded.begin(), encoded.end(), data)) {
      __builtin_trap();
    }
    (void)renewal_due_at_s(*parsed.certificate);
    (void)format_utc(parsed.certificate->not_after_s);
  } else if (parsed.error.empty()) {
    __builtin_trap();
  }
  const auto check = verify_certificate(bytes, pinned_key(), Clock::now(), "alice");
  if (check.ok() || check.reason.empty()) __builtin_trap();
  return 0;
}
