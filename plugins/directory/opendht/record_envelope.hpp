// What the plugin stores in a DHT value: the kernel's opaque record wrapped
// with its key and two times. The key lets a prefix search report whose record
// it found; the times let every node agree which of several versions of a key
// is current (records are signed by the kernel, not by this plugin, so the
// envelope is a version stamp, not a proof).
//
// Layout, big-endian: u8 format (1) | u64 published_unix_ms | u64 expires_unix_ms
//                     | u16 key_bytes | key | record (the rest, at least 1 byte).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace parley::opendht_directory {

inline constexpr std::uint8_t kEnvelopeFormat = 1;
inline constexpr std::size_t kEnvelopeHeaderBytes = 1 + 8 + 8 + 2;
inline constexpr std::size_t kMaxKeyBytes = 256;
// Well below OpenDHT's 64 KiB value limit: a record plus envelope stays in a
// few UDP datagrams, and a prefix topic's answer stays small.
inline constexpr std::size_t kMaxRecordBytes = 4096;

// Views into a blob (or into the caller's memory when encoding).
struct EnvelopeView {
  std::uint64_t published_unix_ms = 0;
  std::uint64_t expires_unix_ms = 0;
  std::string_view key;
  std::span<const std::uint8_t> record;
};

std::vector<std::uint8_t> encode_envelope(const EnvelopeView& envelope);

// nullopt for anything that is not a well-formed envelope of this format
// within the size bounds.
std::optional<EnvelopeView> decode_envelope(std::span<const std::uint8_t> blob);

// Whether candidate replaces current as the key's record: published later, or
// at the same millisecond with greater bytes, so that every node picks the
// same winner whatever order the versions arrive in.
bool supersedes(const EnvelopeView& candidate, const EnvelopeView& current);

// The current record of each key among versions: expired ones (expires at or
// before now) dropped, the newest kept, ordered by key.
std::vector<EnvelopeView> newest_per_key(std::span<const EnvelopeView> versions,
                                         std::uint64_t now_unix_ms);

}  // namespace parley::opendht_directory
