// Fuzzes what a relay can feed the end-to-end handshake: arbitrary bytes as
// a message to the decoder and to a handshake in each state that reads one
// (kernel/identity/handshake.hpp). The world is fixed (handshake_messages_fuzz.hpp),
// so the saved reply and finish seeds pass every check and mutations of them
// reach the signature and confirmation checks.
//
// Input: byte 0 (modulo 4) picks the target (Target in the header); the rest
// is the message. Invariants beyond "no crash": a refused step names a reason
// and sends nothing, and leaves its handshake failed; an accepted one moves
// its handshake on.
//
// Built with -DPARLEY_LIBFUZZER and -fsanitize=fuzzer it is a libFuzzer target;
// without, replay_main.hpp makes it a program replaying files and directories.
// handshake_messages_seeds writes the seed corpus.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "handshake_messages_fuzz.hpp"
#include "identity/handshake_messages.hpp"
#include "replay_main.hpp"

namespace {

using namespace parley::handshake_fuzz;

void check(const HandshakeStep& step, const Handshake& handshake) {
  if (step.ok()) {
    if (handshake.state() == HandshakeState::failed) std::abort();
    return;
  }
  if (step.reason.empty() || !step.send.empty() || handshake.state() != HandshakeState::failed) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span message(data + 1, size - 1);
  const auto& world = FuzzWorld::get();
  switch (data[0] % 4) {
    case kDecodeOnly: {
      const auto decoded = decode_handshake_message(message);
      if (!decoded.message &&
          (decoded.failure == HandshakeFailure::none || decoded.reason.empty())) {
        std::abort();
      }
      break;
    }
    case kHelloToResponder: {
      ReplayGuard guard;
      auto responder = Handshake::responder(world.bob_config(), guard);
      check(responder.receive(message, world.now()), responder);
      break;
    }
    case kReplyToInitiator: {
      auto initiator = world.started_initiator(nullptr);
      check(initiator.receive(message, world.now()), initiator);
      break;
    }
    default: {
      ReplayGuard guard;
      auto responder = world.answered_responder(guard, nullptr);
      check(responder.receive(message, world.now()), responder);
      break;
    }
  }
  return 0;
}
