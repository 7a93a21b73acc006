#include "plugin/cipher_plugin.hpp"

#include <stdexcept>
#include <utility>

namespace parley::plugin {
namespace {

// A plugin that claims more output than the buffer holds has a bug we must not
// act on: the packet is dropped as if the plugin had failed.
CipherResult checked(parley_status status, std::size_t size, std::size_t limit) {
  if (status != PARLEY_OK) return {status, 0};
  if (size > limit) return {PARLEY_ERR_INTERNAL, 0};
  return {PARLEY_OK, size};
}

}  // namespace

CipherPlugin::CipherPlugin(const Offer& offer)
    : api_(static_cast<const parley_cipher_api*>(offer.interface->api)),
      name_(offer.interface->name),
      library_(offer.plugin->library) {
  if (api_->info == nullptr || api_->info->struct_size < sizeof(parley_cipher_info)) {
    throw std::runtime_error("cipher " + name_ + " has no usable info");
  }
  const bool complete = api_->context_create != nullptr && api_->context_destroy != nullptr &&
                        api_->protect_rtp != nullptr && api_->unprotect_rtp != nullptr &&
                        api_->protect_rtcp != nullptr && api_->unprotect_rtcp != nullptr &&
                        api_->seal != nullptr && api_->open != nullptr &&
                        api_->get_stats != nullptr;
  if (!complete) throw std::runtime_error("cipher " + name_ + " lacks an entry point");
}

CipherContext CipherPlugin::make_context(std::span<const std::uint8_t> master_key,
                                         std::span<const std::uint8_t> master_salt,
                                         parley_cipher_direction direction) const {
  void* handle = nullptr;
  const auto status = api_->context_create(master_key.data(), master_key.size(), master_salt.data(),
                                           master_salt.size(), direction, &handle);
  if (status != PARLEY_OK || handle == nullptr) {
    // Never the key itself: only what went wrong.
    throw PluginCallError(
        status != PARLEY_OK ? status : PARLEY_ERR_INTERNAL,
        "cipher " + name_ + ": context_create failed: " + describe_status(status));
  }
  return {*this, handle, direction};
}

CipherContext::CipherContext(CipherPlugin plugin, void* handle, parley_cipher_direction direction)
    : plugin_(std::move(plugin)), handle_(handle), direction_(direction) {}

CipherContext::CipherContext(CipherContext&& other) noexcept
    : plugin_(std::move(other.plugin_)),  // other keeps no handle, so needs no plugin
      handle_(std::exchange(other.handle_, nullptr)),
      direction_(other.direction_) {}

CipherContext::~CipherContext() {
  if (handle_ != nullptr) plugin_.api_->context_destroy(handle_);
}

CipherResult CipherContext::protect_rtp(std::span<std::uint8_t> buffer, std::size_t size) noexcept {
  if (handle_ == nullptr || size > buffer.size()) return {PARLEY_ERR_INVALID_ARGUMENT, 0};
  std::size_t out = 0;
  const auto status = plugin_.api_->protect_rtp(handle_, buffer.data(), size, buffer.size(), &out);
  return checked(status, out, buffer.size());
}

CipherResult CipherContext::unprotect_rtp(std::span<std::uint8_t> packet) noexcept {
  if (handle_ == nullptr) return {PARLEY_ERR_INVALID_ARGUMENT, 0};
  std::size_t out = 0;
  const auto status = plugin_.api_->unprotect_rtp(handle_, packet.data(), packet.size(), &out);
  return checked(status, out, packet.size());
}

CipherResult CipherContext::protect_rtcp(std::span<std::uint8_t> buffer,
                                         std::size_t size) noexcept {
  if (handle_ == nullptr || size > buffer.size()) return {PARLEY_ERR_INVALID_ARGUMENT, 0};
  std::size_t out = 0;
  const auto status = plugin_.api_->protect_rtcp(handle_, buffer.data(), size, buffer.size(), &out);
  return checked(status, out, buffer.size());
}

CipherResult CipherContext::unprotect_rtcp(std::span<std::uint8_t> packet) noexcept {
  if (handle_ == nullptr) return {PARLEY_ERR_INVALID_ARGUMENT, 0};
  std::size_t out = 0;
  const auto status = plugin_.api_->unprotect_rtcp(handle_, packet.data(), packet.size(), &out);
  return checked(status, out, packet.size());
}

CipherResult CipherContext::seal(std::uint64_t sequence, std::span<const std::uint8_t> aad,
                                 std::span<const std::uint8_t> plaintext,
                                 std::span<std::uint8_t> out) noexcept {
  if (handle_ == nullptr) return {PARLEY_ERR_INVALID_ARGUMENT, 0};
  std::size_t written = 0;
  const auto status =
      plugin_.api_->seal(handle_, sequence, aad.data(), aad.size(), plaintext.data(),
                         plaintext.size(), out.data(), out.size(), &written);
  return checked(status, written, out.size());
}

CipherResult CipherContext::open(std::uint64_t sequence, std::span<const std::uint8_t> aad,
                                 std::span<const std::uint8_t> ciphertext,
                                 std::span<std::uint8_t> out) noexcept {
  if (handle_ == nullptr) return {PARLEY_ERR_INVALID_ARGUMENT, 0};
  std::size_t written = 0;
  const auto status =
      plugin_.api_->open(handle_, sequence, aad.data(), aad.size(), ciphertext.data(),
                         ciphertext.size(), out.data(), out.size(), &written);
  return checked(status, written, out.size());
}

parley_cipher_stats CipherContext::stats() const noexcept {
  parley_cipher_stats stats{};
  stats.struct_size = sizeof stats;
  if (handle_ != nullptr) plugin_.api_->get_stats(handle_, &stats);
  stats.struct_size = sizeof stats;  // ours, whatever the plugin wrote
  return stats;
}

}  // namespace parley::plugin
