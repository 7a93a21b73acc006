// What an end-to-end handshake costs (docs/e2e.md, "Cost"): whole handshakes
// between two in-process peers with real keys and certificates, split into
// the initiator's and the responder's work, against the cryptographic floor
// measured in the same run: the X25519 and Ed25519 operations a handshake
// cannot avoid (per side: one X25519 key and agreement, one signature, two
// verifications: the peer's certificate and its transcript signature).
// Also what a rekey costs (next generation + one SRTP context's keys).
//
//   handshake_bench [--handshakes N] [--runs R]
// Times are per handshake, best and median of R runs of N handshakes each.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "identity/certificate.hpp"
#include "identity/handshake.hpp"

namespace {

using namespace parley::identity;
using Steady = std::chrono::steady_clock;

struct Options {
  int handshakes = 200;
  int runs = 5;
};

struct Figures {
  double best_ms = 1e300;
  double median_ms = 0;
};

template <typename Body>
Figures measure(const Options& options, Body&& body) {
  std::vector<double> per_run;
  for (int run = 0; run < options.runs; ++run) {
    const auto start = Steady::now();
    for (int i = 0; i < options.handshakes; ++i) body();
    const std::chrono::duration<double, std::milli> elapsed = Steady::now() - start;
    per_run.push_back(elapsed.count() / options.handshakes);
  }
  std::sort(per_run.begin(), per_run.end());
  return {per_run.front(), per_run[per_run.size() / 2]};
}

struct Party {
  SigningKey key;
  std::vector<std::uint8_t> certificate;
};

Party party(const SigningKey& server, const std::string& user) {
  auto key = SigningKey::generate();
  const auto now_s = unix_seconds(Clock::now());
  auto certificate = encode_certificate(
      issue_certificate(server, user, key.public_key(), now_s - 60, now_s + 86400, 1));
  return {std::move(key), std::move(certificate)};
}

HandshakeConfig config(const SigningKey& server, const Party& self, const std::string& peer) {
  HandshakeConfig config;
  config.identity_key = &self.key;
  config.certificate = self.certificate;
  config.login_server_key = server.public_key();
  config.peer_user = peer;
  config.offers = {{"aes-256-gcm", "chacha20-poly1305", "aes-128-gcm"}, {"opus", "pcmu"}};
  return config;
}

void print(const char* what, const Figures& figures, double floor_ms) {
  std::printf("%-44s %10.3f %10.3f", what, figures.best_ms, figures.median_ms);
  if (floor_ms > 0) std::printf(" %8.2f", figures.best_ms / floor_ms);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) try {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--handshakes") == 0) options.handshakes = std::stoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--runs") == 0) options.runs = std::stoi(argv[i + 1]);
  }
  const auto server = SigningKey::generate();
  const auto alice = party(server, "alice");
  const auto bob = party(server, "bob");
  ReplayGuard guard(1 << 20);
  bool all_established = true;

  double initiator_ms = 0;
  double responder_ms = 0;
  const auto whole = measure(options, [&] {
    const auto now = Clock::now();
    auto initiator = Handshake::initiator(config(server, alice, "bob"));
    auto responder = Handshake::responder(config(server, bob, "alice"), guard);
    const auto t0 = Steady::now();
    const auto hello = initiator.start(now);
    const auto t1 = Steady::now();
    const auto reply = responder.receive(hello.send, now);
    const auto t2 = Steady::now();
    const auto finish = initiator.receive(reply.send, now);
    const auto t3 = Steady::now();
    (void)responder.receive(finish.send, now);
    const auto t4 = Steady::now();
    all_established = all_established && responder.state() == HandshakeState::established &&
                      initiator.state() == HandshakeState::established;
    initiator_ms += std::chrono::duration<double, std::milli>((t1 - t0) + (t3 - t2)).count();
    responder_ms += std::chrono::duration<double, std::milli>((t2 - t1) + (t4 - t3)).count();
  });
  const double total_handshakes = static_cast<double>(options.handshakes) * options.runs;

  // The floor: per side one X25519 key and agreement (with a share made
  // beforehand, as the peer's arrives made), one signature, two verifications.
  const std::vector<std::uint8_t> message(64, 0x5a);
  const auto signature = alice.key.sign(kHandshakeContext, message);
  const auto peer_share = EphemeralKey::generate({}).public_bytes();
  const auto floor = measure(options, [&] {
    for (int side = 0; side < 2; ++side) {
      const auto mine = EphemeralKey::generate({});
      (void)mine.agree(peer_share);
      (void)alice.key.sign(kHandshakeContext, message);
      (void)verify_signature(alice.key.public_key(), kHandshakeContext, message, signature);
      (void)verify_signature(alice.key.public_key(), kHandshakeContext, message, signature);
    }
  });

  auto secret = derive_handshake_secrets(KeyBytes(std::vector<std::uint8_t>(32, 7)), Digest{})
                    .initiator_to_responder;
  const auto rekey = measure(options, [&] {
    secret = secret.next();
    (void)secret.srtp_keys({32, 12});
  });

  std::printf("end-to-end handshake, two in-process peers, %d handshakes per run, %d runs\n\n",
              options.handshakes, options.runs);
  std::printf("%-44s %10s %10s %8s\n", "", "best ms", "median ms", "x floor");
  print("whole handshake (both sides, 3 messages)", whole, floor.best_ms);
  print("X25519 + Ed25519 floor (both sides)", floor, 0);
  std::printf("%-44s %10.3f\n", "  of which initiator (start + reply), mean",
              initiator_ms / total_handshakes);
  std::printf("%-44s %10.3f\n", "  of which responder (hello + finish), mean",
              responder_ms / total_handshakes);
  print("rekey: next generation + SRTP key and salt", rekey, 0);
  if (!all_established) {
    std::fprintf(stderr, "handshake_bench: a handshake did not establish\n");
    return 1;
  }
  return 0;
} catch (const std::exception& error) {
  std::fprintf(stderr, "handshake_bench: %s\n", error.what());
  return 1;
}
