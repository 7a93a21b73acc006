// Builds RIFF/WAVE images byte by byte, so each test states exactly the file it means.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <vector>

namespace parley::wav::test {

using Bytes = std::vector<std::uint8_t>;

inline void put16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}
inline void put32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
inline void put_text(Bytes& out, std::string_view text) {
  out.insert(out.end(), text.begin(), text.end());
}

// One chunk: id, size (the real one unless claimed_size says otherwise), body, pad byte.
inline Bytes chunk(std::string_view id, const Bytes& body,
                   std::optional<std::uint32_t> claimed_size = std::nullopt, bool pad = true) {
  Bytes out;
  put_text(out, id);
  put32(out, claimed_size.value_or(static_cast<std::uint32_t>(body.size())));
  out.insert(out.end(), body.begin(), body.end());
  if (pad && body.size() % 2 == 1) out.push_back(0);
  return out;
}

inline Bytes fmt_body(std::uint16_t tag, std::uint16_t channels, std::uint32_t rate_hz,
                      std::uint16_t bits) {
  Bytes out;
  const auto block_align = static_cast<std::uint16_t>(channels * ((bits + 7) / 8));
  put16(out, tag);
  put16(out, channels);
  put32(out, rate_hz);
  put32(out, rate_hz * block_align);
  put16(out, block_align);
  put16(out, bits);
  return out;
}

inline Bytes pcm_fmt(std::uint16_t channels = 1, std::uint32_t rate_hz = 8000,
                     std::uint16_t bits = 16) {
  return fmt_body(1, channels, rate_hz, bits);
}

// WAVE_FORMAT_EXTENSIBLE with the standard GUID tail for subformat tag.
inline Bytes extensible_fmt(std::uint16_t subformat, std::uint16_t channels, std::uint32_t rate_hz,
                            std::uint16_t bits, std::uint16_t valid_bits) {
  Bytes out = fmt_body(0xfffe, channels, rate_hz, bits);
  put16(out, 22);  // cbSize
  put16(out, valid_bits);
  put32(out, channels == 1 ? 0x4 : 0x3);  // front centre, or front left + right
  put16(out, subformat);
  for (std::uint8_t byte :
       {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71}) {
    out.push_back(byte);
  }
  return out;
}

inline Bytes samples(std::initializer_list<std::int16_t> values) {
  Bytes out;
  for (auto v : values) put16(out, static_cast<std::uint16_t>(v));
  return out;
}

// RIFF header around chunks, with the true size unless claimed_size says otherwise.
inline Bytes riff(std::initializer_list<Bytes> chunks,
                  std::optional<std::uint32_t> claimed_size = std::nullopt) {
  Bytes body;
  put_text(body, "WAVE");
  for (const auto& c : chunks) body.insert(body.end(), c.begin(), c.end());
  Bytes out;
  put_text(out, "RIFF");
  put32(out, claimed_size.value_or(static_cast<std::uint32_t>(body.size())));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace parley::wav::test
