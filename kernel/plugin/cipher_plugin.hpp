// The kernel's view of a cipher interface: RAII contexts that keep their
// plugin's library mapped. Setup failures throw PluginCallError; per-packet
// outcomes (forged, replayed, key worn out) are returned as CipherResult values,
// because a flood of forged packets must not turn into a flood of exceptions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "parley/abi/cipher.h"
#include "plugin/plugin_call_error.hpp"
#include "plugin/plugin_registry.hpp"

namespace parley::plugin {

struct CipherResult {
  parley_status status = PARLEY_OK;
  std::size_t size = 0;  // bytes of the result when ok()
  [[nodiscard]] bool ok() const { return status == PARLEY_OK; }
};

class CipherContext;

class CipherPlugin {
 public:
  // The E-flag||SRTCP-index word every suite appends to RTCP (RFC 3711 section 3.4).
  static constexpr std::size_t kSrtcpIndexBytes = 4;

  // Throws std::runtime_error when the table lacks info or an entry point.
  explicit CipherPlugin(const Offer& offer);
  [[nodiscard]] const parley_cipher_info& info() const { return *api_->info; }
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] bool insecure() const { return (info().flags & PARLEY_CIPHER_FLAG_INSECURE) != 0; }
  // Bytes protect adds: what a buffer must have beyond the packet.
  [[nodiscard]] std::size_t rtp_overhead() const { return info().auth_tag_bytes; }
  [[nodiscard]] std::size_t rtcp_overhead() const {
    return std::size_t{info().auth_tag_bytes} + kSrtcpIndexBytes;
  }
  // One direction of one key. Throws PluginCallError (e.g. a key of the wrong size).
  [[nodiscard]] CipherContext make_context(std::span<const std::uint8_t> master_key,
                                           std::span<const std::uint8_t> master_salt,
                                           parley_cipher_direction direction) const;

 private:
  friend class CipherContext;
  const parley_cipher_api* api_;
  std::string name_;
  std::shared_ptr<const PluginLibrary> library_;
};

class CipherContext {
 public:
  CipherContext(CipherContext&& other) noexcept;
  CipherContext& operator=(CipherContext&&) = delete;
  CipherContext(const CipherContext&) = delete;
  CipherContext& operator=(const CipherContext&) = delete;
  ~CipherContext();

  [[nodiscard]] const CipherPlugin& plugin() const { return plugin_; }
  [[nodiscard]] parley_cipher_direction direction() const { return direction_; }

  // buffer: the whole buffer, packet in its first size bytes; protected in place.
  CipherResult protect_rtp(std::span<std::uint8_t> buffer, std::size_t size) noexcept;
  // On failure the packet is untouched and must be dropped.
  CipherResult unprotect_rtp(std::span<std::uint8_t> packet) noexcept;
  CipherResult protect_rtcp(std::span<std::uint8_t> buffer, std::size_t size) noexcept;
  CipherResult unprotect_rtcp(std::span<std::uint8_t> packet) noexcept;
  CipherResult seal(std::uint64_t sequence, std::span<const std::uint8_t> aad,
                    std::span<const std::uint8_t> plaintext, std::span<std::uint8_t> out) noexcept;
  CipherResult open(std::uint64_t sequence, std::span<const std::uint8_t> aad,
                    std::span<const std::uint8_t> ciphertext, std::span<std::uint8_t> out) noexcept;
  [[nodiscard]] parley_cipher_stats stats() const noexcept;

 private:
  friend class CipherPlugin;
  CipherContext(CipherPlugin plugin, void* handle, parley_cipher_direction direction);
  CipherPlugin plugin_;
  void* handle_;
  parley_cipher_direction direction_;
};

}  // namespace parley::plugin
