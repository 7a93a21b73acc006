// Writes (or checks) the seed corpus of the call_signal fuzz target: one
// signed message of each kind from alice to bob in the fixed world, and a few
// refused shapes (stale, wrong recipient, altered, forged).
//
//   call_signal_seeds DIR           writes the seeds
//   call_signal_seeds --check DIR   fails unless DIR holds exactly these (the
//                                   format changed: regenerate and review)
#include <map>
#include <stdexcept>
#include <string>

#include "call_signal_fuzz.hpp"
#include "seed_corpus_main.hpp"

namespace {

using namespace parley;
using call_signal_fuzz::Bytes;
using call_signal_fuzz::FuzzWorld;

std::map<std::string, Bytes> seeds() {
  const auto& world = FuzzWorld::get();
  std::map<std::string, Bytes> out;
  const auto add = [&](const std::string& name, const call::CallMessage& message) {
    out[name] = world.sign(message);
  };
  auto invite = world.message();
  invite.mutable_invite()->set_handshake_hello(std::string(300, 'h'));
  invite.mutable_invite()->add_candidates("127.0.0.1:40000");
  invite.mutable_invite()->add_candidates("[::1]:40000");
  add("invite", invite);
  auto ringing = world.message();
  ringing.mutable_ringing();
  add("ringing", ringing);
  auto accept = world.message();
  accept.mutable_accept()->set_handshake_reply(std::string(400, 'r'));
  accept.mutable_accept()->add_candidates("192.0.2.1:5004");
  add("accept", accept);
  auto confirm = world.message();
  confirm.mutable_confirm()->set_handshake_finish(std::string(100, 'f'));
  add("confirm", confirm);
  auto reject = world.message();
  reject.mutable_reject()->set_reason("declined");
  add("reject", reject);
  auto busy = world.message();
  busy.mutable_busy();
  add("busy", busy);
  auto cancel = world.message();
  cancel.mutable_cancel();
  add("cancel", cancel);
  auto hangup = world.message();
  hangup.mutable_hangup()->set_reason("hung up");
  add("hangup", hangup);

  auto stale = hangup;
  stale.set_sent_at_ms(stale.sent_at_ms() - 61'000);
  add("refused-stale", stale);
  auto elsewhere = hangup;
  elsewhere.set_to_user("carol");
  add("refused-recipient", elsewhere);
  auto altered = world.sign(hangup);
  altered[altered.size() / 2] ^= 0x01;
  out["refused-altered"] = altered;
  // Seeds that do not reach what they are named for are worth nothing.
  for (const auto& [name, bytes] : out) {
    const bool accepted =
        call::verify_call_message(bytes, world.server_key(), "bob", "alice", world.now()).ok();
    if (accepted == (name.rfind("refused-", 0) == 0)) {
      throw std::runtime_error("seed " + name + (accepted ? " verifies" : " is refused"));
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  return parley::fuzz::seed_corpus_main(argc, argv, "call_signal_seeds", seeds);
}
