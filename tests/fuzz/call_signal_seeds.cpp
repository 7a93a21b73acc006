// Writes (or checks) the seed corpus of the call_signal fuzz target: one
// signed message of each kind from alice to bob in the fixed world, and a few
// refused shapes (stale, wrong recipient, altered, forged).
//
//   call_signal_seeds DIR           writes the seeds
//   call_signal_seeds --check DIR   fails unless DIR holds exactly these (the
//                                   format changed: regenerate and review)
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <string>

#include "call_signal_fuzz.hpp"

namespace {

using namespace parley;
using call_signal_fuzz::Bytes;
using call_signal_fuzz::FuzzWorld;
namespace fs = std::filesystem;

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

Bytes read_file(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), {}};
}

}  // namespace

int main(int argc, char** argv) try {
  const bool checking = argc == 3 && std::string(argv[1]) == "--check";
  if (argc != 2 && !checking) {
    std::cerr << "usage: call_signal_seeds [--check] DIR\n";
    return 2;
  }
  const fs::path dir = argv[argc - 1];
  const auto expected = seeds();
  if (checking) {
    std::size_t files = 0;
    for (const auto& entry : fs::directory_iterator(dir)) files += entry.is_regular_file() ? 1 : 0;
    for (const auto& [name, bytes] : expected) {
      if (read_file(dir / name) != bytes) {
        std::cerr << "seed " << name << " differs from what this build writes\n";
        return 1;
      }
    }
    if (files != expected.size()) {
      std::cerr << dir << " holds " << files << " files, not " << expected.size() << "\n";
      return 1;
    }
    std::cout << expected.size() << " seeds match this build\n";
    return 0;
  }
  fs::create_directories(dir);
  for (const auto& [name, bytes] : expected) {
    std::ofstream file(dir / name, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
  }
  std::cout << "wrote " << expected.size() << " seeds to " << dir << "\n";
  return 0;
} catch (const std::exception& error) {
  std::cerr << "call_signal_seeds: " << error.what() << "\n";
  return 1;
}
