// Overlay messages (proto/overlay.proto) to and from frames, with the bounds a
// peer's message must keep: protobuf itself bounds nothing, so a decoded
// message that is too large, has too many entries or over-long strings is
// refused here before any other code sees it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "proto/overlay.pb.h"

namespace parley::overlay {

inline constexpr const char* kOverlayProtocol = "parley-overlay";
inline constexpr std::uint32_t kOverlayVersionMajor = 1;
inline constexpr std::uint32_t kOverlayVersionMinor = 0;

inline constexpr std::size_t kMaxMessageBytes = std::size_t{16} * 1024;
inline constexpr std::size_t kMaxListEntries = 200;  // the seed's host cache size
inline constexpr std::size_t kMaxTextBytes = 256;
inline constexpr std::size_t kKeyBytes = 32;
inline constexpr std::size_t kMaxIdBytes = 64;          // user ids (identity/user_id.hpp), call ids
inline constexpr std::size_t kMaxPresenceBytes = 2048;  // directory::kMaxPresenceRecordBytes
inline constexpr std::size_t kMaxSubscriptions = 200;
inline constexpr std::size_t kMaxSearchResults = 50;
inline constexpr std::size_t kMaxCallPayloadBytes = std::size_t{4} * 1024;
inline constexpr std::size_t kMaxCertificateBytes = 206;  // identity::kMaxCertificateBytes
inline constexpr std::size_t kProofBytes = 64;            // an Ed25519 signature
inline constexpr std::size_t kMaxSuperNodeHops = 2;

std::vector<std::uint8_t> encode(const OverlayMessage& message);

struct Decoded {
  std::optional<OverlayMessage> message;
  std::string error;  // why not, when message is empty
};
Decoded decode(std::span<const std::uint8_t> bytes);

OverlayMessage make_hello();
// Empty when hello names this protocol and major version; otherwise why not.
std::string hello_problem(const OverlayMessage& message);

}  // namespace parley::overlay
