// Cipher plugins in C++. A cipher suite is a type T with:
//   static parley::sdk::CipherInfo info();
//   class T::Context {
//    public:
//     // Setup errors (a key the suite cannot use, no memory) throw parley::sdk::Error.
//     Context(std::span<const std::uint8_t> master_key, std::span<const std::uint8_t> master_salt,
//             parley::sdk::CipherDirection direction);
//     // Per packet: outcomes are values, never exceptions (see CipherResult).
//     CipherResult protect_rtp(std::span<std::uint8_t> buffer, std::size_t size);
//     CipherResult unprotect_rtp(std::span<std::uint8_t> packet);
//     CipherResult protect_rtcp(std::span<std::uint8_t> buffer, std::size_t size);
//     CipherResult unprotect_rtcp(std::span<std::uint8_t> packet);
//     CipherResult seal(std::uint64_t sequence, std::span<const std::uint8_t> aad,
//                       std::span<const std::uint8_t> plaintext, std::span<std::uint8_t> out);
//     CipherResult open(std::uint64_t sequence, std::span<const std::uint8_t> aad,
//                       std::span<const std::uint8_t> ciphertext, std::span<std::uint8_t> out);
//   };
// and is registered with parley::sdk::cipher<T>("aes-256-gcm", score).
//
// Before any Context method runs, the adapter has already checked what every
// suite would check the same way, so suites do not repeat it:
//   - pointers are non-null, size <= capacity, the key and salt have the sizes info() states;
//   - protect_* and seal run only on an OUTBOUND context, unprotect_* and open only on
//     an INBOUND one (a context owns one key in one direction; using it both ways
//     would let our own packets replay into us);
//   - protect_rtp has room for size + auth_tag_bytes, protect_rtcp for
//     size + auth_tag_bytes + kSrtcpIndexBytes, seal for size + auth_tag_bytes,
//     open for size - auth_tag_bytes (else PARLEY_ERR_BUFFER_TOO_SMALL, packet untouched);
//   - the stats counters are kept here from the results, identically for every suite.
//
// What the suite itself must guarantee (the cipher conformance suite checks it):
//   - unprotect_* returns PARLEY_ERR_AUTHENTICATION or PARLEY_ERR_REPLAY with the
//     packet untouched, and only authenticated packets move the replay window;
//   - protect_* and seal never reuse a nonce: an index or sequence number already used
//     (or too old to tell) is refused with PARLEY_ERR_REPLAY;
//   - open enforces a replay window over sequence numbers, as unprotect does over packets;
//   - once max_packets_per_key packets were protected under a key, protect_* and seal
//     return PARLEY_ERR_LIMIT so the kernel rekeys;
//   - malformed input is PARLEY_ERR_INVALID_ARGUMENT, never a crash or an exception.
// A context is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "parley/abi/cipher.h"
#include "parley/sdk/plugin.hpp"

namespace parley::sdk {

// The E-flag||SRTCP-index word protect_rtcp appends after the tag (RFC 3711
// section 3.4): a wire-format constant, the same for every suite.
inline constexpr std::size_t kSrtcpIndexBytes = 4;

struct CipherInfo {
  std::string_view suite_name;  // RFC name where one exists: "AEAD_AES_256_GCM"
  std::uint32_t master_key_bytes = 0;
  std::uint32_t master_salt_bytes = 0;
  std::uint32_t auth_tag_bytes = 0;
  std::uint32_t flags = 0;  // PARLEY_CIPHER_FLAG_*
  std::uint64_t max_packets_per_key = 0;
};

enum class CipherDirection : std::uint32_t {
  outbound = PARLEY_CIPHER_OUTBOUND,
  inbound = PARLEY_CIPHER_INBOUND,
};

// What one packet or message operation came to. A value, not an exception: an
// attacker flooding forged packets must cost us a comparison per packet, not an
// unwinding.
struct CipherResult {
  parley_status status = PARLEY_OK;
  std::size_t size = 0;  // bytes of the result, when status == PARLEY_OK

  [[nodiscard]] constexpr bool ok() const { return status == PARLEY_OK; }
  static constexpr CipherResult done(std::size_t bytes) { return {PARLEY_OK, bytes}; }
  static constexpr CipherResult refused(parley_status why) { return {why, 0}; }
};

namespace detail {

template <typename T>
struct CipherAdapter {
  static constexpr std::uint32_t kind = PARLEY_KIND_CIPHER;
  static constexpr std::uint16_t major = PARLEY_CIPHER_MAJOR;
  static constexpr std::uint16_t minor = PARLEY_CIPHER_MINOR;

  struct Box {
    CipherDirection direction;
    parley_cipher_stats stats{};
    typename T::Context context;
    Box(std::span<const std::uint8_t> key, std::span<const std::uint8_t> salt, CipherDirection d)
        : direction(d), context(key, salt, d) {
      stats.struct_size = sizeof(parley_cipher_stats);
    }
  };

  static const CipherInfo& info() {
    static const CipherInfo cached = T::info();
    return cached;
  }

  static Box* box_of(void* context, CipherDirection required) {
    auto* box = static_cast<Box*>(context);
    return box != nullptr && box->direction == required ? box : nullptr;
  }

  // Counts the outcome. Replays on the sending side are a caller bug, not an
  // attack, so only the receiving side counts them.
  static parley_status record(Box& box, const CipherResult& result, bool inbound, std::size_t limit,
                              std::size_t* out_size) {
    if (result.ok()) {
      if (result.size > limit) return PARLEY_ERR_INTERNAL;  // a suite bug must not overflow
      *out_size = result.size;
      ++(inbound ? box.stats.packets_unprotected : box.stats.packets_protected);
    } else if (inbound && result.status == PARLEY_ERR_AUTHENTICATION) {
      ++box.stats.authentication_failures;
    } else if (inbound && result.status == PARLEY_ERR_REPLAY) {
      ++box.stats.replays_rejected;
    }
    return result.status;
  }

  static parley_status context_create(const std::uint8_t* key, std::size_t key_size,
                                      const std::uint8_t* salt, std::size_t salt_size,
                                      std::uint32_t direction, void** out) {
    return guard("cipher context_create", [&]() -> parley_status {
      if (out == nullptr) return PARLEY_ERR_INVALID_ARGUMENT;
      *out = nullptr;
      const auto& i = info();
      if (key_size != i.master_key_bytes || salt_size != i.master_salt_bytes ||
          (key == nullptr && key_size != 0) || (salt == nullptr && salt_size != 0)) {
        return PARLEY_ERR_INVALID_ARGUMENT;
      }
      if (direction != PARLEY_CIPHER_OUTBOUND && direction != PARLEY_CIPHER_INBOUND) {
        return PARLEY_ERR_INVALID_ARGUMENT;
      }
      *out = new Box(std::span(key, key_size), std::span(salt, salt_size),
                     static_cast<CipherDirection>(direction));
      return PARLEY_OK;
    });
  }
  static void context_destroy(void* context) { delete static_cast<Box*>(context); }

  template <typename Call>
  static parley_status protect(void* context, std::uint8_t* packet, std::size_t size,
                               std::size_t capacity, std::size_t* out_size, std::size_t overhead,
                               Call&& call) {
    return guard("cipher protect", [&]() -> parley_status {
      auto* box = box_of(context, CipherDirection::outbound);
      if (box == nullptr || packet == nullptr || out_size == nullptr || size > capacity) {
        return PARLEY_ERR_INVALID_ARGUMENT;
      }
      if (capacity - size < overhead) return PARLEY_ERR_BUFFER_TOO_SMALL;
      return record(*box, call(box->context, std::span(packet, capacity)), false, capacity,
                    out_size);
    });
  }

  template <typename Call>
  static parley_status unprotect(void* context, std::uint8_t* packet, std::size_t size,
                                 std::size_t* out_size, Call&& call) {
    return guard("cipher unprotect", [&]() -> parley_status {
      auto* box = box_of(context, CipherDirection::inbound);
      if (box == nullptr || packet == nullptr || out_size == nullptr) {
        return PARLEY_ERR_INVALID_ARGUMENT;
      }
      return record(*box, call(box->context, std::span(packet, size)), true, size, out_size);
    });
  }

  static parley_status protect_rtp(void* context, std::uint8_t* packet, std::size_t size,
                                   std::size_t capacity, std::size_t* out_size) {
    return protect(
        context, packet, size, capacity, out_size, info().auth_tag_bytes,
        [size](auto& c, std::span<std::uint8_t> buffer) { return c.protect_rtp(buffer, size); });
  }
  static parley_status unprotect_rtp(void* context, std::uint8_t* packet, std::size_t size,
                                     std::size_t* out_size) {
    return unprotect(context, packet, size, out_size,
                     [](auto& c, std::span<std::uint8_t> p) { return c.unprotect_rtp(p); });
  }
  static parley_status protect_rtcp(void* context, std::uint8_t* packet, std::size_t size,
                                    std::size_t capacity, std::size_t* out_size) {
    return protect(
        context, packet, size, capacity, out_size,
        std::size_t{info().auth_tag_bytes} + kSrtcpIndexBytes,
        [size](auto& c, std::span<std::uint8_t> buffer) { return c.protect_rtcp(buffer, size); });
  }
  static parley_status unprotect_rtcp(void* context, std::uint8_t* packet, std::size_t size,
                                      std::size_t* out_size) {
    return unprotect(context, packet, size, out_size,
                     [](auto& c, std::span<std::uint8_t> p) { return c.unprotect_rtcp(p); });
  }

  static bool valid_input(const std::uint8_t* data, std::size_t size) {
    return data != nullptr || size == 0;
  }

  static parley_status seal(void* context, std::uint64_t sequence, const std::uint8_t* aad,
                            std::size_t aad_size, const std::uint8_t* plaintext, std::size_t size,
                            std::uint8_t* out, std::size_t out_capacity, std::size_t* out_size) {
    return guard("cipher seal", [&]() -> parley_status {
      auto* box = box_of(context, CipherDirection::outbound);
      if (box == nullptr || !valid_input(aad, aad_size) || !valid_input(plaintext, size) ||
          out == nullptr || out_size == nullptr) {
        return PARLEY_ERR_INVALID_ARGUMENT;
      }
      if (out_capacity < size || out_capacity - size < info().auth_tag_bytes) {
        return PARLEY_ERR_BUFFER_TOO_SMALL;
      }
      return record(*box,
                    box->context.seal(sequence, std::span(aad, aad_size),
                                      std::span(plaintext, size), std::span(out, out_capacity)),
                    false, out_capacity, out_size);
    });
  }

  static parley_status open(void* context, std::uint64_t sequence, const std::uint8_t* aad,
                            std::size_t aad_size, const std::uint8_t* ciphertext, std::size_t size,
                            std::uint8_t* out, std::size_t out_capacity, std::size_t* out_size) {
    return guard("cipher open", [&]() -> parley_status {
      auto* box = box_of(context, CipherDirection::inbound);
      if (box == nullptr || !valid_input(aad, aad_size) || !valid_input(ciphertext, size) ||
          (out == nullptr && out_capacity != 0) || out_size == nullptr) {
        return PARLEY_ERR_INVALID_ARGUMENT;
      }
      // Shorter than a tag cannot be a sealed message: malformed, not forged.
      if (size < info().auth_tag_bytes) return PARLEY_ERR_INVALID_ARGUMENT;
      if (out_capacity < size - info().auth_tag_bytes) return PARLEY_ERR_BUFFER_TOO_SMALL;
      return record(*box,
                    box->context.open(sequence, std::span(aad, aad_size),
                                      std::span(ciphertext, size), std::span(out, out_capacity)),
                    true, out_capacity, out_size);
    });
  }

  static void get_stats(void* context, parley_cipher_stats* out) {
    const auto* box = static_cast<const Box*>(context);
    if (box == nullptr || out == nullptr) return;
    // Copy only what the caller's (possibly older, smaller) struct has room for.
    const std::uint32_t room = out->struct_size;
    const auto copy = [&](std::uint64_t parley_cipher_stats::*field, std::size_t end) {
      if (room >= end) out->*field = box->stats.*field;
    };
    copy(&parley_cipher_stats::packets_protected,
         offsetof(parley_cipher_stats, packets_protected) + sizeof(std::uint64_t));
    copy(&parley_cipher_stats::packets_unprotected,
         offsetof(parley_cipher_stats, packets_unprotected) + sizeof(std::uint64_t));
    copy(&parley_cipher_stats::authentication_failures,
         offsetof(parley_cipher_stats, authentication_failures) + sizeof(std::uint64_t));
    copy(&parley_cipher_stats::replays_rejected,
         offsetof(parley_cipher_stats, replays_rejected) + sizeof(std::uint64_t));
  }

  static const void* get_api() {
    return build_table_once<parley_cipher_api>("cipher", [] {
      static parley_cipher_info c_info{};
      const auto& i = info();
      c_info.struct_size = sizeof(parley_cipher_info);
      c_info.suite_name = to_c(i.suite_name);
      c_info.master_key_bytes = i.master_key_bytes;
      c_info.master_salt_bytes = i.master_salt_bytes;
      c_info.auth_tag_bytes = i.auth_tag_bytes;
      c_info.flags = i.flags;
      c_info.max_packets_per_key = i.max_packets_per_key;

      parley_cipher_api api{};
      api.struct_size = sizeof(parley_cipher_api);
      api.info = &c_info;
      api.context_create = &context_create;
      api.context_destroy = &context_destroy;
      api.protect_rtp = &protect_rtp;
      api.unprotect_rtp = &unprotect_rtp;
      api.protect_rtcp = &protect_rtcp;
      api.unprotect_rtcp = &unprotect_rtcp;
      api.seal = &seal;
      api.open = &open;
      api.get_stats = &get_stats;
      return api;
    });
  }
};

}  // namespace detail

template <typename T>
parley_interface cipher(std::string_view name, std::int32_t score = 0) {
  return make_interface<detail::CipherAdapter<T>>(name, score);
}

}  // namespace parley::sdk
