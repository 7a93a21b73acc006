// Writes (or checks) the seed corpus of the handshake_messages fuzz target:
// the three messages of an honest run in the fixed world, each addressed to
// the decoder and to the handshake state that takes it, plus a few refused
// shapes. An honest run must establish both sides, or nothing is written.
//
//   handshake_messages_seeds DIR           writes the seeds
//   handshake_messages_seeds --check DIR   fails unless DIR holds exactly these
//                                          (the wire format or the key schedule
//                                          changed: regenerate and review)
#include <algorithm>
#include <map>
#include <string>

#include "handshake_messages_fuzz.hpp"
#include "seed_corpus_main.hpp"

namespace {

using namespace parley::handshake_fuzz;

Bytes with_target(Target target, const Bytes& message) {
  // Sized first, then copied: GCC 12 misreads an insert after one byte as out of bounds.
  Bytes out(message.size() + 1, static_cast<std::uint8_t>(target));
  std::copy(message.begin(), message.end(), out.begin() + 1);
  return out;
}

std::map<std::string, Bytes> seeds() {
  const auto& world = FuzzWorld::get();
  Bytes hello;
  auto initiator = world.started_initiator(&hello);
  ReplayGuard guard;
  auto responder = Handshake::responder(world.bob_config(), guard);
  const auto reply = responder.receive(hello, world.now());
  const auto finish = initiator.receive(reply.send, world.now());
  const auto done = responder.receive(finish.send, world.now());
  if (!reply.ok() || !finish.ok() || !done.ok() ||
      initiator.state() != HandshakeState::established ||
      responder.state() != HandshakeState::established) {
    throw std::runtime_error("the fixed handshake does not establish: " + reply.reason +
                             finish.reason + done.reason);
  }
  std::map<std::string, Bytes> out;
  out["hello"] = with_target(kHelloToResponder, hello);
  out["reply"] = with_target(kReplyToInitiator, reply.send);
  out["finish"] = with_target(kFinishToResponder, finish.send);
  out["decode-hello"] = with_target(kDecodeOnly, hello);
  out["decode-reply"] = with_target(kDecodeOnly, reply.send);
  out["decode-finish"] = with_target(kDecodeOnly, finish.send);
  out["hello-truncated"] = with_target(kHelloToResponder, Bytes(hello.begin(), hello.end() - 9));
  out["reply-as-hello"] = with_target(kHelloToResponder, reply.send);
  out["finish-to-initiator"] = with_target(kReplyToInitiator, finish.send);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  return parley::fuzz::seed_corpus_main(argc, argv, "handshake_messages_seeds", seeds);
}
