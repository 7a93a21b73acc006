// STUN parsing sees every datagram that reaches a super node's STUN port and
// every reply a client reads while gathering: input from anyone on the net.
// Besides not crashing, whatever the server side answers must itself parse.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "parley/sdk/address.hpp"
#include "replay_main.hpp"
#include "stun_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace parley::stun;
  const std::span input(data, size);
  for (const bool classic : {false, true}) {
    const auto parsed = parse(input, {.accept_rfc3489 = classic});
    if (!parsed.ok()) continue;
    // Touch every attribute byte: a view past the input shows up under ASan.
    volatile std::uint8_t sum = 0;
    for (const auto& attribute : parsed.message.attributes) {
      for (const auto byte : attribute.value) sum = sum + byte;
      if (attribute.type == attr::kErrorCode) (void)decode_error_code(attribute.value);
    }
    (void)mapped_address(parsed.message);
  }
  (void)looks_like_stun(input);
  TransactionId id{};
  if (size >= kHeaderBytes) std::copy_n(data + 8, id.size(), id.begin());
  (void)read_binding_response(input, id);

  for (const auto* source : {"192.0.2.1:3478", "[2001:db8::1]:3478"}) {
    const auto answer = answer_binding_request(input, *parley::sdk::parse_address(source));
    if (!answer) continue;
    const auto reparsed = parse(*answer, {.accept_rfc3489 = true});
    if (!reparsed.ok() || reparsed.message.transaction_id != id) std::abort();
    if (!reparsed.message.is_rfc3489() && !reparsed.message.has_fingerprint) std::abort();
  }
  return 0;
}
