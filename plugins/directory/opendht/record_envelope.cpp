#include "record_envelope.hpp"

#include <algorithm>
#include <map>

namespace parley::opendht_directory {
namespace {

void put_be(std::vector<std::uint8_t>& out, std::uint64_t value, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

std::uint64_t get_be(std::span<const std::uint8_t> in, std::size_t at, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | in[at + static_cast<std::size_t>(i)];
  return value;
}

}  // namespace

std::vector<std::uint8_t> encode_envelope(const EnvelopeView& envelope) {
  std::vector<std::uint8_t> out;
  out.reserve(kEnvelopeHeaderBytes + envelope.key.size() + envelope.record.size());
  out.push_back(kEnvelopeFormat);
  put_be(out, envelope.published_unix_ms, 8);
  put_be(out, envelope.expires_unix_ms, 8);
  put_be(out, envelope.key.size(), 2);
  out.insert(out.end(), envelope.key.begin(), envelope.key.end());
  out.insert(out.end(), envelope.record.begin(), envelope.record.end());
  return out;
}

std::optional<EnvelopeView> decode_envelope(std::span<const std::uint8_t> blob) {
  if (blob.size() < kEnvelopeHeaderBytes || blob[0] != kEnvelopeFormat) return std::nullopt;
  EnvelopeView envelope;
  envelope.published_unix_ms = get_be(blob, 1, 8);
  envelope.expires_unix_ms = get_be(blob, 9, 8);
  const auto key_bytes = static_cast<std::size_t>(get_be(blob, 17, 2));
  if (key_bytes == 0 || key_bytes > kMaxKeyBytes) return std::nullopt;
  if (blob.size() - kEnvelopeHeaderBytes <= key_bytes) return std::nullopt;  // no record
  const auto record_bytes = blob.size() - kEnvelopeHeaderBytes - key_bytes;
  if (record_bytes > kMaxRecordBytes) return std::nullopt;
  if (envelope.expires_unix_ms <= envelope.published_unix_ms) return std::nullopt;
  envelope.key = {reinterpret_cast<const char*>(blob.data() + kEnvelopeHeaderBytes), key_bytes};
  envelope.record = blob.subspan(kEnvelopeHeaderBytes + key_bytes);
  return envelope;
}

bool supersedes(const EnvelopeView& candidate, const EnvelopeView& current) {
  if (candidate.published_unix_ms != current.published_unix_ms) {
    return candidate.published_unix_ms > current.published_unix_ms;
  }
  return std::lexicographical_compare(current.record.begin(), current.record.end(),
                                      candidate.record.begin(), candidate.record.end());
}

std::vector<EnvelopeView> newest_per_key(std::span<const EnvelopeView> versions,
                                         std::uint64_t now_unix_ms) {
  std::map<std::string_view, EnvelopeView> newest;
  for (const auto& version : versions) {
    if (version.expires_unix_ms <= now_unix_ms) continue;
    const auto [slot, inserted] = newest.try_emplace(version.key, version);
    if (!inserted && supersedes(version, slot->second)) slot->second = version;
  }
  std::vector<EnvelopeView> current;
  current.reserve(newest.size());
  for (const auto& entry : newest) current.push_back(entry.second);
  return current;
}

}  // namespace parley::opendht_directory
