#include "overlay/stun_binding.hpp"

#include <algorithm>

namespace parley::overlay {
namespace {

using udp = boost::asio::ip::udp;
constexpr std::uint32_t kMagicCookie = 0x2112A442;
constexpr std::uint16_t kBindingRequest = 0x0001;
constexpr std::uint16_t kBindingSuccess = 0x0101;
constexpr std::uint16_t kMappedAddress = 0x0001;
constexpr std::uint16_t kXorMappedAddress = 0x0020;
constexpr std::size_t kHeaderBytes = 20;

std::uint16_t u16(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}
std::uint32_t u32(std::span<const std::uint8_t> b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
         (std::uint32_t{b[at + 2]} << 8) | b[at + 3];
}
void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

// The 16 bytes a XOR-address is masked with: cookie then transaction id.
std::array<std::uint8_t, 16> xor_mask(std::span<const std::uint8_t> header) {
  std::array<std::uint8_t, 16> mask{};
  std::copy(header.begin() + 4, header.begin() + 20, mask.begin());
  return mask;
}

void put_address(std::vector<std::uint8_t>& out, std::uint16_t type, const udp::endpoint& ep,
                 const std::array<std::uint8_t, 16>* mask) {
  const bool v6 = ep.address().is_v6();
  put16(out, type);
  put16(out, v6 ? 20 : 8);
  out.push_back(0);
  out.push_back(v6 ? 2 : 1);
  auto port = ep.port();
  if (mask != nullptr) port ^= static_cast<std::uint16_t>(((*mask)[0] << 8) | (*mask)[1]);
  put16(out, port);
  std::vector<std::uint8_t> address;
  if (v6) {
    const auto bytes = ep.address().to_v6().to_bytes();
    address.assign(bytes.begin(), bytes.end());
  } else {
    const auto bytes = ep.address().to_v4().to_bytes();
    address.assign(bytes.begin(), bytes.end());
  }
  for (std::size_t i = 0; i < address.size(); ++i) {
    out.push_back(mask != nullptr ? static_cast<std::uint8_t>(address[i] ^ (*mask)[i])
                                  : address[i]);
  }
}

bool well_formed(std::span<const std::uint8_t> datagram) {
  if (datagram.size() < kHeaderBytes || (datagram[0] & 0xC0) != 0) return false;
  const auto length = u16(datagram, 2);
  return length % 4 == 0 && kHeaderBytes + length == datagram.size();
}

}  // namespace

std::optional<std::vector<std::uint8_t>> answer_binding(std::span<const std::uint8_t> datagram,
                                                        const udp::endpoint& source) {
  if (!well_formed(datagram) || u16(datagram, 0) != kBindingRequest) return std::nullopt;
  const bool modern = u32(datagram, 4) == kMagicCookie;
  std::vector<std::uint8_t> out;
  put16(out, kBindingSuccess);
  put16(out, 0);  // length, filled in below
  out.insert(out.end(), datagram.begin() + 4, datagram.begin() + 20);
  if (modern) {
    const auto mask = xor_mask(datagram);
    put_address(out, kXorMappedAddress, source, &mask);
  } else if (source.address().is_v4()) {
    put_address(out, kMappedAddress, source, nullptr);
  } else {
    return std::nullopt;  // RFC 3489 had no IPv6
  }
  const auto length = out.size() - kHeaderBytes;
  out[2] = static_cast<std::uint8_t>(length >> 8);
  out[3] = static_cast<std::uint8_t>(length);
  return out;
}

std::vector<std::uint8_t> make_binding_request(const StunTransactionId& id) {
  std::vector<std::uint8_t> out;
  put16(out, kBindingRequest);
  put16(out, 0);
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(kMagicCookie >> shift));
  }
  out.insert(out.end(), id.begin(), id.end());
  return out;
}

std::optional<udp::endpoint> read_binding_success(std::span<const std::uint8_t> datagram,
                                                  const StunTransactionId& id) {
  if (!well_formed(datagram) || u16(datagram, 0) != kBindingSuccess ||
      u32(datagram, 4) != kMagicCookie || !std::equal(id.begin(), id.end(), datagram.begin() + 8)) {
    return std::nullopt;
  }
  const auto mask = xor_mask(datagram);
  std::size_t at = kHeaderBytes;
  while (at + 4 <= datagram.size()) {
    const auto type = u16(datagram, at);
    const auto length = u16(datagram, at + 2);
    const auto value = at + 4;
    if (value + length > datagram.size()) return std::nullopt;
    if (type == kXorMappedAddress && length >= 8) {
      const auto family = datagram[value + 1];
      const auto port =
          static_cast<std::uint16_t>(u16(datagram, value + 2) ^ ((mask[0] << 8) | mask[1]));
      if (family == 1 && length == 8) {
        boost::asio::ip::address_v4::bytes_type bytes{};
        for (std::size_t i = 0; i < 4; ++i) bytes[i] = datagram[value + 4 + i] ^ mask[i];
        return udp::endpoint(boost::asio::ip::address_v4(bytes), port);
      }
      if (family == 2 && length == 20) {
        boost::asio::ip::address_v6::bytes_type bytes{};
        for (std::size_t i = 0; i < 16; ++i) bytes[i] = datagram[value + 4 + i] ^ mask[i];
        return udp::endpoint(boost::asio::ip::address_v6(bytes), port);
      }
      return std::nullopt;
    }
    at = value + ((length + 3u) & ~3u);
  }
  return std::nullopt;
}

}  // namespace parley::overlay
