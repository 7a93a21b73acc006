// Fuzzes what an attacker reaches first: unprotect_rtp, unprotect_rtcp and open,
// for every built-in cipher suite, with a fixed key, through each plugin's real C
// table (the plugins are linked in statically, so libFuzzer sees their code).
// Round trips of the input as plaintext are checked too: whatever protect
// accepts, unprotect must give back byte for byte.
//
// Input: byte 0 picks the suite (bits 0-1) and the operation ((byte >> 2) % 6);
// the rest is the packet. For open, 8 bytes of sequence and 1 byte of AAD length
// come first.
//
// Built with -DPARLEY_LIBFUZZER and -fsanitize=fuzzer it is a libFuzzer target.
// Without, it is a plain program for CI without clang:
//   cipher_unprotect_fuzz FILE|DIR...   replays inputs (e.g. a libFuzzer corpus)
//   cipher_unprotect_fuzz --write-seeds DIR   writes valid packets as a seed corpus
//   cipher_unprotect_fuzz              replays built-in seeds and mutations of them
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "parley/abi/cipher.h"

extern "C" const parley_plugin_descriptor* parley_fuzz_entry_aesgcm(const parley_host_api* host);
extern "C" const parley_plugin_descriptor* parley_fuzz_entry_chacha20(const parley_host_api* host);
extern "C" const parley_plugin_descriptor* parley_fuzz_entry_null(const parley_host_api* host);

namespace {

using Bytes = std::vector<std::uint8_t>;

enum Operation { kUnprotectRtp, kUnprotectRtcp, kOpen, kRoundTripRtp, kRoundTripRtcp, kSealOpen };
constexpr int kOperations = 6;
constexpr std::size_t kSlack = 64;

// Fixed key material: fuzzing explores packets, not keys.
constexpr std::array<std::uint8_t, 32> kKey{1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                            12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                            23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
constexpr std::array<std::uint8_t, 12> kSalt{0x51, 0x75, 0x69, 0x64, 0x20, 0x70,
                                             0x72, 0x6f, 0x20, 0x71, 0x75, 0x6f};

void ignore_log(parley_log_level, parley_str, parley_str) {}
std::uint64_t no_clock() {
  return 0;
}

const std::vector<const parley_cipher_api*>& suites() {
  static const std::vector<const parley_cipher_api*> all = [] {
    static const parley_host_api host{
        sizeof(parley_host_api), PARLEY_ABI_VERSION, {"fuzz", 4}, &ignore_log, &no_clock};
    std::vector<const parley_cipher_api*> found;
    for (auto* entry :
         {&parley_fuzz_entry_aesgcm, &parley_fuzz_entry_chacha20, &parley_fuzz_entry_null}) {
      const auto* descriptor = entry(&host);
      if (descriptor == nullptr) std::abort();
      for (std::uint32_t i = 0; i < descriptor->interface_count; ++i) {
        found.push_back(static_cast<const parley_cipher_api*>(descriptor->interfaces[i].get_api()));
      }
    }
    if (found.size() != 4) std::abort();  // aes-256-gcm, aes-128-gcm, chacha20, null
    return found;
  }();
  return all;
}

class Context {
 public:
  Context(const parley_cipher_api* api, std::uint32_t direction) : api_(api) {
    if (api->context_create(kKey.data(), api->info->master_key_bytes, kSalt.data(),
                            api->info->master_salt_bytes, direction, &handle_) != PARLEY_OK) {
      std::abort();
    }
  }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  ~Context() { api_->context_destroy(handle_); }
  [[nodiscard]] void* get() const { return handle_; }

 private:
  const parley_cipher_api* api_;
  void* handle_ = nullptr;
};

void check(bool condition, const char* what) {
  if (!condition) {
    std::cerr << "cipher fuzz invariant broken: " << what << '\n';
    std::abort();
  }
}

void unprotect_twice(const parley_cipher_api* api, const Bytes& wire, bool rtcp) {
  Context in(api, PARLEY_CIPHER_INBOUND);
  auto call = rtcp ? api->unprotect_rtcp : api->unprotect_rtp;
  Bytes packet = wire;
  std::size_t size = 0;
  const auto status = call(in.get(), packet.data(), packet.size(), &size);
  if (status != PARLEY_OK) {
    check(packet == wire, "a refused packet was modified");
    return;
  }
  check(size <= wire.size(), "unprotect grew the packet");
  packet = wire;
  check(call(in.get(), packet.data(), packet.size(), &size) == PARLEY_ERR_REPLAY,
        "the same packet was accepted twice");
}

void open_message(const parley_cipher_api* api, const std::uint8_t* data, std::size_t size) {
  if (size < 9) return;
  std::uint64_t sequence = 0;
  std::memcpy(&sequence, data, 8);
  const std::size_t aad = std::min<std::size_t>(data[8], size - 9);
  const std::uint8_t* message = data + 9 + aad;
  const std::size_t message_size = size - 9 - aad;
  Context in(api, PARLEY_CIPHER_INBOUND);
  Bytes out(message_size);
  std::size_t written = 0;
  const auto status = api->open(in.get(), sequence, data + 9, aad, message, message_size,
                                out.data(), out.size(), &written);
  if (status == PARLEY_OK) check(written <= out.size(), "open wrote past its size");
}

void round_trip(const parley_cipher_api* api, const Bytes& plain, Operation op) {
  Context out(api, PARLEY_CIPHER_OUTBOUND);
  Context in(api, PARLEY_CIPHER_INBOUND);
  Bytes buffer = plain;
  buffer.resize(plain.size() + kSlack);
  std::size_t size = 0;
  if (op == kSealOpen) {
    if (api->seal(out.get(), 42, plain.data(), std::min<std::size_t>(plain.size(), 8), plain.data(),
                  plain.size(), buffer.data(), buffer.size(), &size) != PARLEY_OK) {
      return;
    }
    Bytes opened(plain.size());
    std::size_t opened_size = 0;
    check(api->open(in.get(), 42, plain.data(), std::min<std::size_t>(plain.size(), 8),
                    buffer.data(), size, opened.data(), opened.size(), &opened_size) == PARLEY_OK &&
              opened == plain,
          "seal/open round trip");
    return;
  }
  const bool rtcp = op == kRoundTripRtcp;
  const auto status = (rtcp ? api->protect_rtcp : api->protect_rtp)(
      out.get(), buffer.data(), plain.size(), buffer.size(), &size);
  if (status != PARLEY_OK) {
    check(status == PARLEY_ERR_INVALID_ARGUMENT, "protect failed other than on malformed input");
    return;
  }
  std::size_t back = 0;
  check((rtcp ? api->unprotect_rtcp : api->unprotect_rtp)(in.get(), buffer.data(), size, &back) ==
                PARLEY_OK &&
            back == plain.size() && std::equal(plain.begin(), plain.end(), buffer.begin()),
        "protect/unprotect round trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto* api = suites()[data[0] & 3];
  const auto op = static_cast<Operation>((data[0] >> 2) % kOperations);
  const Bytes rest(data + 1, data + size);
  switch (op) {
    case kUnprotectRtp: unprotect_twice(api, rest, false); break;
    case kUnprotectRtcp: unprotect_twice(api, rest, true); break;
    case kOpen: open_message(api, rest.data(), rest.size()); break;
    default: round_trip(api, rest, op); break;
  }
  return 0;
}

#ifndef PARLEY_LIBFUZZER
namespace {

// Valid protected packets and sealed messages under the fixed key: inputs that
// get past authentication, for mutations to start from.
std::vector<Bytes> seeds() {
  std::vector<Bytes> all;
  for (std::uint8_t suite = 0; suite < 4; ++suite) {
    const auto* api = suites()[suite];
    Context out(api, PARLEY_CIPHER_OUTBOUND);
    for (std::uint16_t seq : {0, 1, 65535}) {
      Bytes rtp{0x90,
                0x60,
                static_cast<std::uint8_t>(seq >> 8),
                static_cast<std::uint8_t>(seq),
                0,
                0,
                0,
                0,
                0xca,
                0xfe,
                0xba,
                0xbe,
                0xbe,
                0xde,
                0,
                1,
                0x10,
                0xaa,
                0,
                0};
      rtp.resize(rtp.size() + 40 + seq % 7, 0x33);
      const std::size_t plain = rtp.size();
      rtp.resize(plain + kSlack);
      std::size_t size = 0;
      if (api->protect_rtp(out.get(), rtp.data(), plain, rtp.size(), &size) != PARLEY_OK) {
        std::abort();
      }
      rtp.resize(size);
      rtp.insert(rtp.begin(), static_cast<std::uint8_t>(suite | kUnprotectRtp << 2));
      all.push_back(rtp);
    }
    Bytes rtcp{0x80, 200, 0, 6, 0xca, 0xfe, 0xba, 0xbe};
    rtcp.resize(28, 0x44);
    rtcp.resize(28 + kSlack);
    std::size_t size = 0;
    if (api->protect_rtcp(out.get(), rtcp.data(), 28, rtcp.size(), &size) != PARLEY_OK) {
      std::abort();
    }
    rtcp.resize(size);
    rtcp.insert(rtcp.begin(), static_cast<std::uint8_t>(suite | kUnprotectRtcp << 2));
    all.push_back(rtcp);

    const Bytes aad{'i', 'm'};
    const Bytes text{'h', 'e', 'l', 'l', 'o'};
    Bytes sealed(text.size() + kSlack);
    if (api->seal(out.get(), 7, aad.data(), aad.size(), text.data(), text.size(), sealed.data(),
                  sealed.size(), &size) != PARLEY_OK) {
      std::abort();
    }
    sealed.resize(size);
    Bytes message{static_cast<std::uint8_t>(suite | kOpen << 2), 7, 0, 0, 0, 0, 0, 0, 0,
                  static_cast<std::uint8_t>(aad.size())};
    message.insert(message.end(), aad.begin(), aad.end());
    message.insert(message.end(), sealed.begin(), sealed.end());
    all.push_back(message);
  }
  return all;
}

void run(const Bytes& input) {
  LLVMFuzzerTestOneInput(input.data(), input.size());
}

int replay_files(int argc, char** argv) {
  std::size_t count = 0;
  for (int i = 1; i < argc; ++i) {
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(argv[i])) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(argv[i])) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
    } else {
      files.emplace_back(argv[i]);
    }
    for (const auto& file : files) {
      std::ifstream in(file, std::ios::binary);
      run(Bytes(std::istreambuf_iterator<char>(in), {}));
      ++count;
    }
  }
  std::cout << "cipher fuzz: replayed " << count << " inputs\n";
  return 0;
}

int write_seeds(const std::filesystem::path& directory) {
  std::filesystem::create_directories(directory);
  const auto all = seeds();
  for (std::size_t i = 0; i < all.size(); ++i) {
    std::ofstream out(directory / ("seed-" + std::to_string(i)), std::ios::binary);
    out.write(reinterpret_cast<const char*>(all[i].data()),
              static_cast<std::streamsize>(all[i].size()));
  }
  std::cout << "cipher fuzz: wrote " << all.size() << " seeds to " << directory << '\n';
  return 0;
}

// Without a corpus: the seeds, then deterministic mutations of them (bit flips,
// truncations, operation changes), so CI exercises the paths libFuzzer would.
int self_test() {
  const auto all = seeds();
  std::mt19937 random(20240601);
  std::size_t count = 0;
  for (const auto& seed : all) {
    run(seed);
    ++count;
    for (int round = 0; round < 400; ++round) {
      Bytes input = seed;
      switch (random() % 4) {
        case 0:
          input[random() % input.size()] ^= static_cast<std::uint8_t>(1u << (random() % 8));
          break;
        case 1: input.resize(random() % input.size() + 1); break;
        case 2: input[0] = static_cast<std::uint8_t>(random()); break;
        default: input.push_back(static_cast<std::uint8_t>(random())); break;
      }
      run(input);
      ++count;
    }
  }
  std::cout << "cipher fuzz: " << count << " inputs, no invariant broken\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--write-seeds") return write_seeds(argv[2]);
  if (argc > 1) return replay_files(argc, argv);
  return self_test();
}
#endif
