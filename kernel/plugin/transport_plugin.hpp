// The kernel's view of a transport interface: RAII endpoints that keep their
// plugin's library mapped. What the media loop must expect (nothing arrived in
// time, a datagram too large) comes back as a value; failures throw
// PluginCallError with the plugin's status (a closed TCP peer is PARLEY_ERR_IO).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "parley/abi/transport.h"
#include "plugin/plugin_call_error.hpp"
#include "plugin/plugin_registry.hpp"

namespace parley::plugin {

class TransportEndpoint;

class TransportPlugin {
 public:
  explicit TransportPlugin(const Offer& offer);
  [[nodiscard]] const parley_transport_info& info() const { return *api_->info; }
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] bool connected() const { return (info().flags & PARLEY_TRANSPORT_CONNECTED) != 0; }
  [[nodiscard]] bool reliable() const { return (info().flags & PARLEY_TRANSPORT_RELIABLE) != 0; }

  // A datagram endpoint bound to local (port 0: any).
  [[nodiscard]] TransportEndpoint bind(const parley_address& local) const;
  // Connected transports: connect to remote, from local when given.
  [[nodiscard]] TransportEndpoint connect(const parley_address& remote,
                                          std::chrono::milliseconds timeout,
                                          const std::optional<parley_address>& local = {}) const;
  // Connected transports: listen on local and accept one peer within timeout;
  // a zero timeout returns at once and the first receive accepts.
  [[nodiscard]] TransportEndpoint listen(const parley_address& local,
                                         std::chrono::milliseconds timeout) const;

 private:
  friend class TransportEndpoint;
  TransportEndpoint open(const parley_address* local, const parley_address* remote,
                         std::chrono::milliseconds timeout) const;
  const parley_transport_api* api_;
  std::string name_;
  std::shared_ptr<const PluginLibrary> library_;
};

struct Datagram {
  enum class Status { received, timed_out, too_large };
  Status status = Status::timed_out;
  std::size_t size = 0;   // received: bytes in the buffer; too_large: the dropped datagram's size
  parley_address from{};  // received, too_large
};

class TransportEndpoint {
 public:
  TransportEndpoint(TransportEndpoint&& other) noexcept;
  TransportEndpoint& operator=(TransportEndpoint&&) = delete;
  TransportEndpoint(const TransportEndpoint&) = delete;
  TransportEndpoint& operator=(const TransportEndpoint&) = delete;
  ~TransportEndpoint();

  [[nodiscard]] parley_address local_address() const;
  // Connected transports ignore to.
  void send_to(const parley_address& to, std::span<const std::uint8_t> datagram);
  void send(std::span<const std::uint8_t> datagram);  // connected transports
  Datagram receive(std::span<std::uint8_t> buffer, std::chrono::milliseconds timeout);
  // Readable when a datagram (or, before a deferred accept, a peer) is waiting.
  [[nodiscard]] int native_handle() const;

 private:
  friend class TransportPlugin;
  TransportEndpoint(TransportPlugin plugin, void* handle);
  TransportPlugin plugin_;
  void* handle_;
};

}  // namespace parley::plugin
