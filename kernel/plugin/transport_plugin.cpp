#include "plugin/transport_plugin.hpp"

#include "plugin/abi_timeout.hpp"

#include <limits>
#include <stdexcept>
#include <utility>

namespace parley::plugin {
namespace {

void check(parley_status status, const std::string& transport, const char* call) {
  if (status != PARLEY_OK) {
    throw PluginCallError(
        status, "transport " + transport + ": " + call + " failed: " + describe_status(status));
  }
}

}  // namespace

TransportPlugin::TransportPlugin(const Offer& offer)
    : api_(static_cast<const parley_transport_api*>(offer.interface->api)),
      name_(offer.interface->name),
      library_(offer.plugin->library) {
  const bool complete = api_ != nullptr && api_->info != nullptr && api_->open != nullptr &&
                        api_->close != nullptr && api_->local_address != nullptr &&
                        api_->send_to != nullptr && api_->receive != nullptr &&
                        api_->native_handle != nullptr;
  if (!complete) throw std::runtime_error("transport " + name_ + " has an incomplete table");
}

TransportEndpoint TransportPlugin::open(const parley_address* local, const parley_address* remote,
                                        std::chrono::milliseconds timeout) const {
  void* handle = nullptr;
  check(api_->open(local, remote, to_timeout_ms(timeout), &handle), name_, "open");
  if (handle == nullptr) {
    throw PluginCallError(PARLEY_ERR_INTERNAL, "transport " + name_ + ": open gave no endpoint");
  }
  return {*this, handle};
}

TransportEndpoint TransportPlugin::bind(const parley_address& local) const {
  return open(&local, nullptr, std::chrono::milliseconds(0));
}

TransportEndpoint TransportPlugin::connect(const parley_address& remote,
                                           std::chrono::milliseconds timeout,
                                           const std::optional<parley_address>& local) const {
  return open(local ? &*local : nullptr, &remote, timeout);
}

TransportEndpoint TransportPlugin::listen(const parley_address& local,
                                          std::chrono::milliseconds timeout) const {
  return open(&local, nullptr, timeout);
}

TransportEndpoint::TransportEndpoint(TransportPlugin plugin, void* handle)
    : plugin_(std::move(plugin)), handle_(handle) {}
TransportEndpoint::TransportEndpoint(TransportEndpoint&& other) noexcept
    : plugin_(std::move(other.plugin_)),  // other keeps no handle, so needs no plugin
      handle_(std::exchange(other.handle_, nullptr)) {}
TransportEndpoint::~TransportEndpoint() {
  if (handle_ != nullptr) plugin_.api_->close(handle_);
}

parley_address TransportEndpoint::local_address() const {
  parley_address address{};
  check(plugin_.api_->local_address(handle_, &address), plugin_.name_, "local_address");
  return address;
}

void TransportEndpoint::send_to(const parley_address& to, std::span<const std::uint8_t> datagram) {
  check(plugin_.api_->send_to(handle_, &to, datagram.data(), datagram.size()), plugin_.name_,
        "send_to");
}

void TransportEndpoint::send(std::span<const std::uint8_t> datagram) {
  check(plugin_.api_->send_to(handle_, nullptr, datagram.data(), datagram.size()), plugin_.name_,
        "send");
}

Datagram TransportEndpoint::receive(std::span<std::uint8_t> buffer,
                                    std::chrono::milliseconds timeout) {
  Datagram datagram;
  const auto status = plugin_.api_->receive(handle_, buffer.data(), buffer.size(),
                                            to_timeout_ms(timeout), &datagram.size, &datagram.from);
  switch (status) {
    case PARLEY_OK:
      if (datagram.size > buffer.size()) {
        throw PluginCallError(PARLEY_ERR_INTERNAL,
                              "transport " + plugin_.name_ + " wrote past its buffer");
      }
      datagram.status = Datagram::Status::received;
      return datagram;
    case PARLEY_ERR_TIMEOUT: return {};
    case PARLEY_ERR_BUFFER_TOO_SMALL:
      datagram.status = Datagram::Status::too_large;
      return datagram;
    default: check(status, plugin_.name_, "receive"); return {};
  }
}

int TransportEndpoint::native_handle() const {
  return plugin_.api_->native_handle(handle_);
}

}  // namespace parley::plugin
