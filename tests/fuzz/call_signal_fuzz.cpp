// Fuzzes what a super node (or anyone who reaches one) can feed a client's
// call engine: arbitrary bytes as CallRoute.payload to verify_call_message,
// from "alice" to "bob" in a fixed world (call_signal_fuzz.hpp), so mutations
// of the signed seeds reach the signature, user, freshness and field checks.
//
// Invariants beyond "no crash": a refusal names a reason; an acceptance is a
// message from alice to bob with a well-formed call id, a sequence and a
// body, which the engine's sequence guard then takes once.
//
// Built with -DPARLEY_LIBFUZZER and -fsanitize=fuzzer it is a libFuzzer target;
// without, replay_main.hpp makes it a program replaying files and directories.
// call_signal_seeds writes the seed corpus.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "call/call_id.hpp"
#include "call/call_signal.hpp"
#include "call_signal_fuzz.hpp"
#include "replay_main.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& world = parley::call_signal_fuzz::FuzzWorld::get();
  const auto verified = parley::call::verify_call_message(std::span(data, size), world.server_key(),
                                                          "bob", "alice", world.now());
  if (!verified.ok()) {
    if (verified.error.empty()) std::abort();
    return 0;
  }
  const auto& message = *verified.message;
  if (!verified.error.empty() || message.from_user() != "alice" || message.to_user() != "bob" ||
      !parley::call::is_call_id(message.call_id()) || message.sequence() == 0 ||
      parley::call::signal_kind(message) == parley::overlay::CALL_SIGNAL_UNSPECIFIED) {
    std::abort();
  }
  parley::call::SequenceGuard guard;
  if (!guard.admit(message.call_id(), message.from_user(), message.sequence()) ||
      guard.admit(message.call_id(), message.from_user(), message.sequence())) {
    std::abort();
  }
  return 0;
}
