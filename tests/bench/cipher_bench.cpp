// What a cipher plugin costs per media packet: protect + unprotect of one RTP
// packet (12-octet header, 160-octet payload: 20 ms of G.711) through each loaded
// cipher plugin, the kernel's RAII view and the C ABI, against raw OpenSSL EVP
// doing the same AEAD on the same bytes in the same run. The difference is what
// SRTP framing, replay windows and the plugin boundary add.
//
//   cipher_bench [--plugin PATH]... [--packets N] [--payload BYTES] [--runs R]
// Without --plugin, benchmarks the cipher plugins of this build tree.
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "log/log.hpp"
#include "plugin/cipher_plugin.hpp"
#include "plugin/plugin_registry.hpp"

namespace {

using Bytes = std::vector<std::uint8_t>;
using Clock = std::chrono::steady_clock;

struct Options {
  std::vector<std::string> plugins;
  std::size_t packets = 200000;
  std::size_t payload = 160;
  int runs = 7;
};

Bytes rtp_header(std::uint16_t sequence) {
  return {0x80,
          0,
          static_cast<std::uint8_t>(sequence >> 8),
          static_cast<std::uint8_t>(sequence),
          0,
          0,
          0,
          0,
          0xca,
          0xfe,
          0xba,
          0xbe};
}

// Nanoseconds per packet of one run of `packets` packets.
template <typename Body>
double ns_per_packet(std::size_t packets, Body&& body) {
  const auto start = Clock::now();
  body();
  const std::chrono::duration<double, std::nano> elapsed = Clock::now() - start;
  return elapsed.count() / static_cast<double>(packets);
}

// Through the plugin: kernel RAII view -> C table -> SDK adapter -> SRTP engine -> EVP.
class PluginWork {
 public:
  PluginWork(const parley::plugin::CipherPlugin& cipher, std::size_t payload)
      : cipher_(cipher),
        key_(cipher.info().master_key_bytes, 0x42),
        salt_(cipher.info().master_salt_bytes, 0x24),
        plain_(12 + payload),
        packet_(rtp_header(0)) {
    packet_.resize(plain_ + cipher.rtp_overhead(), 0x5a);
  }

  double run(std::size_t packets) {
    // Fresh contexts per run keep the packets per key far below every limit.
    auto out = cipher_.make_context(key_, salt_, PARLEY_CIPHER_OUTBOUND);
    auto in = cipher_.make_context(key_, salt_, PARLEY_CIPHER_INBOUND);
    bool ok = true;
    const double ns = ns_per_packet(packets, [&] {
      for (std::size_t i = 0; i < packets; ++i, ++sequence_) {
        packet_[2] = static_cast<std::uint8_t>(sequence_ >> 8);
        packet_[3] = static_cast<std::uint8_t>(sequence_);
        const auto sealed = out.protect_rtp(packet_, plain_);
        const auto opened = in.unprotect_rtp(std::span(packet_).first(sealed.size));
        ok = ok && sealed.ok() && opened.ok() && opened.size == plain_;
      }
    });
    if (!ok) throw std::runtime_error("cipher " + cipher_.name() + " failed in the benchmark");
    return ns;
  }

 private:
  const parley::plugin::CipherPlugin& cipher_;
  Bytes key_, salt_;
  std::size_t plain_;
  Bytes packet_;
  std::uint32_t sequence_ = 0;
};

// The AEAD alone, keyed once: nonce, header as AAD, payload in place, tag; then
// verify and decrypt out of place (as a receiver must, to leave forgeries
// untouched) and copy back.
class RawEvpWork {
 public:
  RawEvpWork(const EVP_CIPHER* aead, std::size_t key_bytes, std::size_t payload)
      : enc_(EVP_CIPHER_CTX_new()), dec_(EVP_CIPHER_CTX_new()), payload_(payload) {
    const Bytes key(key_bytes, 0x42);
    EVP_EncryptInit_ex(enc_, aead, nullptr, key.data(), nullptr);
    EVP_DecryptInit_ex(dec_, aead, nullptr, key.data(), nullptr);
    packet_ = rtp_header(0);
    packet_.resize(12 + payload + 16, 0x5a);
    plain_.resize(payload);
  }
  RawEvpWork(const RawEvpWork&) = delete;
  RawEvpWork& operator=(const RawEvpWork&) = delete;
  ~RawEvpWork() {
    EVP_CIPHER_CTX_free(enc_);
    EVP_CIPHER_CTX_free(dec_);
  }

  double run(std::size_t packets) {
    std::uint8_t nonce[12] = {0x24, 0x24, 0x24, 0x24, 0x24, 0x24,
                              0x24, 0x24, 0x24, 0x24, 0x24, 0x24};
    std::uint8_t* header = packet_.data();
    std::uint8_t* body = packet_.data() + 12;
    std::uint8_t* tag = body + payload_;
    const int size = static_cast<int>(payload_);
    bool ok = true;
    const double ns = ns_per_packet(packets, [&] {
      for (std::size_t i = 0; i < packets; ++i, ++sequence_) {
        nonce[10] = static_cast<std::uint8_t>(sequence_ >> 8);
        nonce[11] = static_cast<std::uint8_t>(sequence_);
        int n = 0;
        EVP_EncryptInit_ex(enc_, nullptr, nullptr, nullptr, nonce);
        EVP_EncryptUpdate(enc_, nullptr, &n, header, 12);
        EVP_EncryptUpdate(enc_, body, &n, body, size);
        EVP_EncryptFinal_ex(enc_, body + size, &n);
        EVP_CIPHER_CTX_ctrl(enc_, EVP_CTRL_AEAD_GET_TAG, 16, tag);
        EVP_DecryptInit_ex(dec_, nullptr, nullptr, nullptr, nonce);
        EVP_DecryptUpdate(dec_, nullptr, &n, header, 12);
        EVP_DecryptUpdate(dec_, plain_.data(), &n, body, size);
        EVP_CIPHER_CTX_ctrl(dec_, EVP_CTRL_AEAD_SET_TAG, 16, tag);
        ok = EVP_DecryptFinal_ex(dec_, plain_.data() + size, &n) == 1 && ok;
        std::memcpy(body, plain_.data(), payload_);
      }
    });
    if (!ok) throw std::runtime_error("raw EVP baseline failed");
    return ns;
  }

 private:
  EVP_CIPHER_CTX* enc_;
  EVP_CIPHER_CTX* dec_;
  std::size_t payload_;
  Bytes packet_, plain_;
  std::uint32_t sequence_ = 0;
};

const EVP_CIPHER* raw_cipher_for(const parley::plugin::CipherPlugin& cipher) {
  const std::string suite(cipher.info().suite_name.data, cipher.info().suite_name.size);
  if (suite == "AEAD_AES_256_GCM") return EVP_aes_256_gcm();
  if (suite == "AEAD_AES_128_GCM") return EVP_aes_128_gcm();
  if (suite.find("CHACHA20_POLY1305") != std::string::npos) return EVP_chacha20_poly1305();
  return nullptr;
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--plugin" && has_value) {
      options.plugins.emplace_back(argv[++i]);
    } else if (arg == "--packets" && has_value) {
      options.packets = std::stoul(argv[++i]);
    } else if (arg == "--payload" && has_value) {
      options.payload = std::stoul(argv[++i]);
    } else if (arg == "--runs" && has_value) {
      options.runs = std::max(1, std::stoi(argv[++i]));
    } else {
      throw std::invalid_argument("unknown argument " + arg);
    }
  }
#ifdef PARLEY_CIPHER_BENCH_PLUGINS
  if (options.plugins.empty()) {
    std::stringstream list(PARLEY_CIPHER_BENCH_PLUGINS);
    for (std::string path; std::getline(list, path, '|');) options.plugins.push_back(path);
  }
#endif
  return options;
}

}  // namespace

int main(int argc, char** argv) try {
  const auto options = parse(argc, argv);
  parley::log::set_level(parley::log::Level::warn);
  parley::plugin::PluginRegistry registry;
  for (const auto& path : options.plugins) {
    const auto& record = registry.add_file(path);
    if (!record.loaded) std::cerr << "skipping " << path << ": " << record.reason << '\n';
  }
  std::printf("protect + unprotect, one RTP packet: 12-octet header, %zu-octet payload\n",
              options.payload);
  std::printf("%zu packets per run, best of %d alternating runs\n\n", options.packets,
              options.runs);
  std::printf("%-20s %-30s %14s %14s %8s\n", "interface", "suite", "plugin ns/pkt",
              "raw EVP ns/pkt", "ratio");
  for (const auto& offer : registry.offers(PARLEY_KIND_CIPHER)) {
    const parley::plugin::CipherPlugin cipher(offer);
    const std::string suite(cipher.info().suite_name.data, cipher.info().suite_name.size);
    PluginWork plugin(cipher, options.payload);
    const auto* aead = raw_cipher_for(cipher);
    std::optional<RawEvpWork> raw;
    if (aead != nullptr) raw.emplace(aead, cipher.info().master_key_bytes, options.payload);
    // Runs alternate, and each side keeps its best: on a shared machine both see
    // the same disturbances, and the least disturbed run is closest to the cost.
    double plugin_ns = 1e300, raw_ns = 1e300;
    for (int run = 0; run < options.runs; ++run) {
      plugin_ns = std::min(plugin_ns, plugin.run(options.packets));
      if (raw) raw_ns = std::min(raw_ns, raw->run(options.packets));
    }
    if (!raw) {
      std::printf("%-20s %-30s %14.1f %14s %8s\n", cipher.name().c_str(), suite.c_str(), plugin_ns,
                  "-", "-");
    } else {
      std::printf("%-20s %-30s %14.1f %14.1f %8.2f\n", cipher.name().c_str(), suite.c_str(),
                  plugin_ns, raw_ns, plugin_ns / raw_ns);
    }
  }
  return 0;
} catch (const std::exception& error) {
  std::cerr << "cipher_bench: " << error.what() << '\n';
  return 1;
}
