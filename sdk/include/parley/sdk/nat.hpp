// NAT traversal strategies in C++. A strategy is a type T with:
//   static parley::sdk::NatInfo info();
//   static std::vector<parley_candidate> gather(const parley::sdk::NatEnvironment&);
// and is registered with parley::sdk::nat<T>("name", score).
//
// gather returns every candidate it found, in any order, or throws Error. The
// adapter orders them by priority and honours the caller's capacity, so each
// strategy does not have to.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "parley/abi/nat.h"
#include "parley/sdk/address.hpp"
#include "parley/sdk/plugin.hpp"

namespace parley::sdk {

struct NatInfo {
  std::uint32_t produces = 0;  // bitmask of 1u << parley_candidate_type
  bool needs_servers = false;
  // Used when the kernel gives no timeout_ms: how long gather may take in all.
  std::uint32_t default_timeout_ms = 3000;
};

// RFC 8445 section 5.1.2.2 recommended type preferences.
inline constexpr std::uint32_t kHostTypePreference = 126;
inline constexpr std::uint32_t kPeerReflexiveTypePreference = 110;
inline constexpr std::uint32_t kServerReflexiveTypePreference = 100;
inline constexpr std::uint32_t kRelayedTypePreference = 0;
// Parley gathers for one component: the media flow (RTP and RTCP multiplexed).
inline constexpr std::uint32_t kMediaComponentId = 1;
inline constexpr std::uint8_t kProtocolUdp = 17;
inline constexpr std::uint8_t kProtocolTcp = 6;

inline constexpr std::uint32_t type_preference(parley_candidate_type type) {
  switch (type) {
    case PARLEY_CANDIDATE_HOST: return kHostTypePreference;
    case PARLEY_CANDIDATE_PEER_REFLEXIVE: return kPeerReflexiveTypePreference;
    case PARLEY_CANDIDATE_SERVER_REFLEXIVE: return kServerReflexiveTypePreference;
    case PARLEY_CANDIDATE_RELAYED: return kRelayedTypePreference;
  }
  return 0;
}

// RFC 8445 section 5.1.2.1:
//   priority = 2^24 * type preference + 2^8 * local preference + (256 - component id)
inline constexpr std::uint32_t candidate_priority(std::uint32_t type_pref,
                                                  std::uint32_t local_preference,
                                                  std::uint32_t component_id = kMediaComponentId) {
  return (std::min<std::uint32_t>(type_pref, 126) << 24) +
         (std::min<std::uint32_t>(local_preference, 65535) << 8) +
         (256 - std::clamp<std::uint32_t>(component_id, 1, 256));
}

inline parley_candidate make_candidate(parley_candidate_type type, const parley_address& address,
                                       const parley_address& base, std::uint32_t local_preference,
                                       std::uint8_t protocol = kProtocolUdp) {
  parley_candidate candidate{};
  candidate.type = type;
  candidate.priority = candidate_priority(type_preference(type), local_preference);
  candidate.protocol = protocol;
  candidate.address = address;
  candidate.base = base;
  return candidate;
}

// What the kernel gave gather, checked and with defaults filled in.
class NatEnvironment {
 public:
  struct Reply {
    parley_status status = PARLEY_ERR_TIMEOUT;  // see parley_nat_exchange_fn
    std::size_t size = 0;
  };

  NatEnvironment(const parley_nat_environment& c, std::uint32_t default_timeout_ms)
      : c_(c), timeout_ms_(default_timeout_ms) {
    const bool has_timeout =
        c.struct_size >= offsetof(parley_nat_environment, timeout_ms) + sizeof(c.timeout_ms);
    if (has_timeout && c.timeout_ms != 0) timeout_ms_ = c.timeout_ms;
  }

  [[nodiscard]] const parley_address& local() const { return c_.local; }
  [[nodiscard]] std::span<const parley_address> servers() const {
    return {c_.servers, c_.server_count};
  }
  [[nodiscard]] std::uint32_t timeout_ms() const { return timeout_ms_; }
  [[nodiscard]] std::string_view credentials() const { return from_c(c_.credentials); }
  [[nodiscard]] bool can_exchange() const { return c_.exchange != nullptr; }

  // Sends request to server from the media socket and waits for one reply.
  [[nodiscard]] Reply exchange(const parley_address& server, std::span<const std::uint8_t> request,
                               std::span<std::uint8_t> reply, std::uint32_t timeout_ms) const {
    if (c_.exchange == nullptr) return {PARLEY_ERR_UNSUPPORTED, 0};
    Reply result;
    result.status = c_.exchange(c_.host_context, &server, request.data(), request.size(),
                                reply.data(), reply.size(), &result.size, timeout_ms);
    if (result.status == PARLEY_OK && result.size > reply.size()) {
      return {PARLEY_ERR_BUFFER_TOO_SMALL, 0};  // a host bug; never read past reply
    }
    return result;
  }

 private:
  const parley_nat_environment& c_;
  std::uint32_t timeout_ms_;
};

namespace detail {

// Bounds on what a kernel may ask; past them the call is malformed.
inline constexpr std::uint32_t kMaxNatServers = 64;

template <typename T>
struct NatAdapter {
  static constexpr std::uint32_t kind = PARLEY_KIND_NAT;
  static constexpr std::uint16_t major = PARLEY_NAT_MAJOR;
  static constexpr std::uint16_t minor = PARLEY_NAT_MINOR;

  static const NatInfo& info() {
    static const NatInfo cached = T::info();
    return cached;
  }

  static parley_status gather(const parley_nat_environment* environment, parley_candidate* out,
                              std::size_t capacity, std::size_t* out_count) {
    return guard("nat gather", [&]() -> parley_status {
      if (out_count == nullptr) return PARLEY_ERR_INVALID_ARGUMENT;
      *out_count = 0;
      constexpr auto kNat10Size =
          offsetof(parley_nat_environment, credentials) + sizeof(parley_str);
      if (environment == nullptr || environment->struct_size < kNat10Size ||
          (out == nullptr && capacity != 0)) {
        return PARLEY_ERR_INVALID_ARGUMENT;
      }
      if (environment->server_count > kMaxNatServers) return PARLEY_ERR_LIMIT;
      if ((environment->servers == nullptr && environment->server_count != 0) ||
          !is_valid_family(environment->local) || environment->local.port == 0) {
        return PARLEY_ERR_INVALID_ARGUMENT;
      }
      auto candidates = T::gather(NatEnvironment(*environment, info().default_timeout_ms));
      std::stable_sort(candidates.begin(), candidates.end(),
                       [](const auto& a, const auto& b) { return a.priority > b.priority; });
      const auto written = std::min(candidates.size(), capacity);
      std::copy_n(candidates.begin(), written, out);
      *out_count = written;
      return written < candidates.size() ? PARLEY_ERR_BUFFER_TOO_SMALL : PARLEY_OK;
    });
  }

  static const void* get_api() {
    return build_table_once<parley_nat_api>("nat", [] {
      static parley_nat_info c_info{};
      c_info.struct_size = sizeof(parley_nat_info);
      c_info.produces = info().produces;
      c_info.needs_servers = info().needs_servers ? 1 : 0;

      parley_nat_api api{};
      api.struct_size = sizeof(parley_nat_api);
      api.info = &c_info;
      api.gather = &gather;
      return api;
    });
  }
};

}  // namespace detail

template <typename T>
parley_interface nat(std::string_view name, std::int32_t score = 0) {
  return make_interface<detail::NatAdapter<T>>(name, score);
}

}  // namespace parley::sdk
