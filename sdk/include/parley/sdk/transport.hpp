// Transport plugins in C++. A transport is a type T with:
//   static parley::sdk::TransportInfo info();
//   class T::Endpoint {
//     explicit Endpoint(const OpenRequest&);   // binds / connects / accepts; throws Error
//     parley_address local_address() const;
//     void send_to(const parley_address* to, std::span<const std::uint8_t> datagram);
//     Received receive(std::span<std::uint8_t> buffer, std::uint32_t timeout_ms);
//     int native_handle() const; };
// and is registered with parley::sdk::transport<T>("name", score).
//
// Failures throw parley::sdk::Error; outcomes a caller must expect in normal
// operation (nothing arrived in time, a datagram too large for the buffer) are
// returned in Received::status instead, so they cost no exception.
// Arguments are checked here, before any transport code sees them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "parley/abi/transport.h"
#include "parley/sdk/address.hpp"
#include "parley/sdk/plugin.hpp"

namespace parley::sdk {

struct TransportInfo {
  std::string_view protocol;  // "udp", "tcp"
  std::uint32_t flags = 0;    // PARLEY_TRANSPORT_RELIABLE | PARLEY_TRANSPORT_CONNECTED
  std::uint32_t max_datagram_bytes = 0;
  std::uint32_t overhead_bytes = 0;
};

struct OpenRequest {
  parley_address local{};                // family 0 when the caller gave none (clients only)
  std::optional<parley_address> remote;  // connected transports only: connect to it
  std::uint32_t timeout_ms = 0;
};

struct Received {
  parley_status status = PARLEY_OK;  // PARLEY_OK, PARLEY_ERR_TIMEOUT, PARLEY_ERR_BUFFER_TOO_SMALL
  std::size_t size = 0;              // with BUFFER_TOO_SMALL: the dropped datagram's size
  parley_address from{};

  static Received timed_out() { return {PARLEY_ERR_TIMEOUT, 0, {}}; }
  static Received too_large(std::size_t size, const parley_address& from) {
    return {PARLEY_ERR_BUFFER_TOO_SMALL, size, from};
  }
};

namespace detail {

template <typename T>
struct TransportAdapter {
  static constexpr std::uint32_t kind = PARLEY_KIND_TRANSPORT;
  static constexpr std::uint16_t major = PARLEY_TRANSPORT_MAJOR;
  static constexpr std::uint16_t minor = PARLEY_TRANSPORT_MINOR;
  using Endpoint = typename T::Endpoint;

  static const TransportInfo& info() {
    static const TransportInfo cached = T::info();
    return cached;
  }
  static bool connected() { return (info().flags & PARLEY_TRANSPORT_CONNECTED) != 0; }

  static parley_status open(const parley_address* local, const parley_address* remote,
                            std::uint32_t timeout_ms, void** out_endpoint) {
    return guard("transport open", [&]() -> parley_status {
      if (out_endpoint == nullptr) return PARLEY_ERR_INVALID_ARGUMENT;
      *out_endpoint = nullptr;
      OpenRequest request;
      request.timeout_ms = timeout_ms;
      if (local != nullptr) {
        if (!is_valid_family(*local)) return PARLEY_ERR_INVALID_ARGUMENT;
        request.local = *local;
      }
      if (connected() && remote != nullptr) {
        if (!is_valid_family(*remote) || remote->port == 0 || is_wildcard(*remote)) {
          return PARLEY_ERR_INVALID_ARGUMENT;
        }
        if (local != nullptr && local->family != remote->family) {
          return PARLEY_ERR_INVALID_ARGUMENT;
        }
        request.remote = *remote;
      }
      if (local == nullptr && !request.remote) return PARLEY_ERR_INVALID_ARGUMENT;
      *out_endpoint = new Endpoint(request);
      return PARLEY_OK;
    });
  }

  static void close(void* endpoint) { delete static_cast<Endpoint*>(endpoint); }

  static parley_status local_address(void* endpoint, parley_address* out) {
    return guard("transport local_address", [&]() -> parley_status {
      if (endpoint == nullptr || out == nullptr) return PARLEY_ERR_INVALID_ARGUMENT;
      *out = static_cast<const Endpoint*>(endpoint)->local_address();
      return PARLEY_OK;
    });
  }

  static parley_status send_to(void* endpoint, const parley_address* to, const std::uint8_t* data,
                               std::size_t size) {
    return guard("transport send_to", [&]() -> parley_status {
      if (endpoint == nullptr || (data == nullptr && size != 0)) {
        return PARLEY_ERR_INVALID_ARGUMENT;
      }
      if (size > info().max_datagram_bytes) return PARLEY_ERR_LIMIT;
      if (!connected() && (to == nullptr || !is_valid_family(*to) || to->port == 0)) {
        return PARLEY_ERR_INVALID_ARGUMENT;
      }
      static_cast<Endpoint*>(endpoint)->send_to(connected() ? nullptr : to,
                                                std::span<const std::uint8_t>(data, size));
      return PARLEY_OK;
    });
  }

  static parley_status receive(void* endpoint, std::uint8_t* buffer, std::size_t capacity,
                               std::uint32_t timeout_ms, std::size_t* out_size,
                               parley_address* out_from) {
    return guard("transport receive", [&]() -> parley_status {
      if (endpoint == nullptr || out_size == nullptr || (buffer == nullptr && capacity != 0)) {
        return PARLEY_ERR_INVALID_ARGUMENT;
      }
      const Received received = static_cast<Endpoint*>(endpoint)->receive(
          std::span<std::uint8_t>(buffer, capacity), timeout_ms);
      if (received.status == PARLEY_OK && received.size > capacity) {
        throw Error(PARLEY_ERR_INTERNAL, "transport reported more bytes than the buffer holds");
      }
      if (received.status == PARLEY_OK || received.status == PARLEY_ERR_BUFFER_TOO_SMALL) {
        *out_size = received.size;
        if (out_from != nullptr) *out_from = received.from;
      }
      return received.status;
    });
  }

  static int native_handle(void* endpoint) {
    try {
      return endpoint == nullptr ? -1 : static_cast<const Endpoint*>(endpoint)->native_handle();
    } catch (...) {
      return -1;  // nothing may unwind through the C boundary
    }
  }

  static const void* get_api() {
    return build_table_once<parley_transport_api>("transport", [] {
      static parley_transport_info c_info{};
      const auto& i = info();
      c_info.struct_size = sizeof(parley_transport_info);
      c_info.protocol = to_c(i.protocol);
      c_info.flags = i.flags;
      c_info.max_datagram_bytes = i.max_datagram_bytes;
      c_info.overhead_bytes = i.overhead_bytes;

      parley_transport_api api{};
      api.struct_size = sizeof(parley_transport_api);
      api.info = &c_info;
      api.open = &open;
      api.close = &close;
      api.local_address = &local_address;
      api.send_to = &send_to;
      api.receive = &receive;
      api.native_handle = &native_handle;
      return api;
    });
  }
};

}  // namespace detail

template <typename T>
parley_interface transport(std::string_view name, std::int32_t score = 0) {
  return make_interface<detail::TransportAdapter<T>>(name, score);
}

}  // namespace parley::sdk
