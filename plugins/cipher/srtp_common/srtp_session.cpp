#include "srtp_session.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "rtp_packet.hpp"

namespace parley::srtp {
namespace {

constexpr std::size_t kSrtcpWordBytes = sdk::kSrtcpIndexBytes;
constexpr std::uint32_t kSrtcpEncryptedFlag = 0x80000000;
constexpr std::uint64_t kHalfSequenceSpace = 0x8000;  // 2^15, RFC 3711 Appendix A

CipherResult refused(parley_status why) {
  return CipherResult::refused(why);
}

Nonce xor_salt(const Salt& salt, const Nonce& fields) {
  Nonce nonce{};
  for (std::size_t i = 0; i < kNonceBytes; ++i) {
    nonce[i] = static_cast<std::uint8_t>(salt[i] ^ fields[i]);
  }
  return nonce;
}

// The stream of a sending or receiving SSRC is created only once a packet of it
// was protected or authenticated, so forged packets cannot fill the table.
template <typename Stream>
Stream* add_stream(std::vector<Stream>& streams, std::uint32_t ssrc) {
  if (streams.size() >= Session::kMaxStreams) return nullptr;
  auto& stream = streams.emplace_back();
  stream.ssrc = ssrc;
  return &stream;
}

void wipe(std::span<std::uint8_t> bytes) {
  // volatile: the compiler may not drop stores to memory about to be freed.
  volatile std::uint8_t* p = bytes.data();
  for (std::size_t i = 0; i < bytes.size(); ++i) p[i] = 0;
}

}  // namespace

Nonce rtp_nonce(const Salt& salt, std::uint32_t ssrc, std::uint64_t index) {
  Nonce fields{};
  store_be32(fields.data() + 2, ssrc);
  store_be32(fields.data() + 6, static_cast<std::uint32_t>(index >> 16));  // ROC
  fields[10] = static_cast<std::uint8_t>(index >> 8);                      // SEQ
  fields[11] = static_cast<std::uint8_t>(index);
  return xor_salt(salt, fields);
}

Nonce rtcp_nonce(const Salt& salt, std::uint32_t ssrc, std::uint32_t index) {
  Nonce fields{};
  store_be32(fields.data() + 2, ssrc);
  store_be32(fields.data() + 8, index & Session::kMaxSrtcpIndex);
  return xor_salt(salt, fields);
}

Nonce message_nonce(const Salt& salt, std::uint64_t sequence) {
  Nonce fields{};
  store_be32(fields.data() + 4, static_cast<std::uint32_t>(sequence >> 32));
  store_be32(fields.data() + 8, static_cast<std::uint32_t>(sequence));
  return xor_salt(salt, fields);
}

std::uint64_t estimate_rtp_index(std::uint64_t highest_index, std::uint16_t sequence) {
  const std::uint64_t roc = highest_index >> 16;
  const std::uint64_t highest_sequence = highest_index & 0xffff;
  std::uint64_t guess = roc;
  if (highest_sequence < kHalfSequenceSpace) {
    if (sequence > highest_sequence + kHalfSequenceSpace && roc > 0) guess = roc - 1;
  } else if (sequence < highest_sequence - kHalfSequenceSpace) {
    guess = roc + 1;
  }
  return (guess << 16) | sequence;
}

Session::Session(SessionKeys keys, std::uint64_t max_packets_per_key)
    : keys_(std::move(keys)), max_packets_per_key_(max_packets_per_key) {
  scratch_.reserve(1500);  // one MTU: audio never grows it
}

Session::~Session() {
  wipe(scratch_);
}

template <typename Stream>
Stream* Session::find(std::vector<Stream>& streams, std::uint32_t ssrc) {
  for (auto& stream : streams) {
    if (stream.ssrc == ssrc) return &stream;
  }
  return nullptr;
}

std::span<std::uint8_t> Session::scratch(std::size_t bytes) {
  if (scratch_.size() < bytes) scratch_.resize(bytes);
  return std::span(scratch_).first(bytes);
}

CipherResult Session::protect_rtp(std::span<std::uint8_t> buffer, std::size_t size) {
  const auto packet = buffer.first(size);
  const auto header = parse_rtp_header(packet);
  if (!header) return refused(PARLEY_ERR_INVALID_ARGUMENT);
  const auto payload = packet.subspan(header->size);
  if (header->padded && !rtp_padding_valid(payload)) return refused(PARLEY_ERR_INVALID_ARGUMENT);
  auto& key = keys_.rtp;
  const std::size_t tag_bytes = key.aead->tag_bytes();
  if (buffer.size() - size < tag_bytes) return refused(PARLEY_ERR_BUFFER_TOO_SMALL);
  if (rtp_protected_ >= max_packets_per_key_) return refused(PARLEY_ERR_LIMIT);

  auto* stream = find(rtp_streams_, header->ssrc);
  const std::uint64_t index = stream != nullptr && stream->window.started()
                                  ? estimate_rtp_index(stream->window.highest(), header->sequence)
                                  : header->sequence;
  if (index > kMaxRtpIndex) return refused(PARLEY_ERR_LIMIT);
  // Protecting one index twice would reuse a nonce: that breaks GCM outright.
  if (stream != nullptr && stream->window.check(index) != ReplayWindow::Verdict::fresh) {
    return refused(PARLEY_ERR_REPLAY);
  }
  if (stream == nullptr && (stream = add_stream(rtp_streams_, header->ssrc)) == nullptr) {
    return refused(PARLEY_ERR_LIMIT);
  }
  // The index is spent before any keystream is produced, whatever happens next.
  stream->window.accept(index);
  ++rtp_protected_;

  const auto status =
      key.aead->seal(rtp_nonce(key.salt, header->ssrc, index), {packet.first(header->size), {}},
                     buffer.subspan(header->size, payload.size()), buffer.subspan(size, tag_bytes));
  if (status != PARLEY_OK) return refused(status);
  return CipherResult::done(size + tag_bytes);
}

CipherResult Session::unprotect_rtp(std::span<std::uint8_t> packet) {
  const auto header = parse_rtp_header(packet);
  if (!header) return refused(PARLEY_ERR_INVALID_ARGUMENT);
  auto& key = keys_.rtp;
  const std::size_t tag_bytes = key.aead->tag_bytes();
  if (packet.size() - header->size < tag_bytes) return refused(PARLEY_ERR_INVALID_ARGUMENT);

  auto* stream = find(rtp_streams_, header->ssrc);
  const std::uint64_t index = stream != nullptr && stream->window.started()
                                  ? estimate_rtp_index(stream->window.highest(), header->sequence)
                                  : header->sequence;
  if (index > kMaxRtpIndex) return refused(PARLEY_ERR_INVALID_ARGUMENT);
  if (stream != nullptr && stream->window.check(index) != ReplayWindow::Verdict::fresh) {
    return refused(PARLEY_ERR_REPLAY);
  }

  const std::size_t payload_bytes = packet.size() - header->size - tag_bytes;
  const auto ciphertext = packet.subspan(header->size, payload_bytes);
  const auto plaintext = scratch(payload_bytes);
  const auto status = key.aead->open(
      rtp_nonce(key.salt, header->ssrc, index), {packet.first(header->size), {}}, ciphertext,
      packet.subspan(header->size + payload_bytes, tag_bytes), plaintext);
  if (status != PARLEY_OK) return refused(status);
  // Authentic but malformed: still refused, and nothing is committed.
  if (header->padded && !rtp_padding_valid(plaintext)) {
    return refused(PARLEY_ERR_INVALID_ARGUMENT);
  }
  if (stream == nullptr && (stream = add_stream(rtp_streams_, header->ssrc)) == nullptr) {
    return refused(PARLEY_ERR_LIMIT);
  }
  stream->window.accept(index);
  std::copy(plaintext.begin(), plaintext.end(), ciphertext.begin());
  return CipherResult::done(header->size + payload_bytes);
}

CipherResult Session::protect_rtcp(std::span<std::uint8_t> buffer, std::size_t size) {
  const auto packet = buffer.first(size);
  const auto ssrc = parse_rtcp_sender_ssrc(packet);
  if (!ssrc) return refused(PARLEY_ERR_INVALID_ARGUMENT);
  auto& key = keys_.rtcp;
  const std::size_t tag_bytes = key.aead->tag_bytes();
  if (buffer.size() - size < tag_bytes + kSrtcpWordBytes) {
    return refused(PARLEY_ERR_BUFFER_TOO_SMALL);
  }
  if (rtcp_protected_ >= std::min<std::uint64_t>(max_packets_per_key_, kMaxSrtcpIndex)) {
    return refused(PARLEY_ERR_LIMIT);
  }
  auto* stream = find(rtcp_streams_, *ssrc);
  if (stream == nullptr && (stream = add_stream(rtcp_streams_, *ssrc)) == nullptr) {
    return refused(PARLEY_ERR_LIMIT);
  }
  if (stream->next_index > kMaxSrtcpIndex) return refused(PARLEY_ERR_LIMIT);
  const std::uint32_t index = stream->next_index++;
  ++rtcp_protected_;

  const bool encrypted = key.aead->encrypts();
  std::uint8_t* word = buffer.data() + size + tag_bytes;
  store_be32(word, (encrypted ? kSrtcpEncryptedFlag : 0) | index);
  const std::span<const std::uint8_t> word_bytes(word, kSrtcpWordBytes);
  // E=1: the 8-octet header and the word are the AAD, the rest is encrypted (RFC
  // 7714 section 9.2); E=0: all of it is AAD and nothing is encrypted (9.3).
  const std::size_t clear_bytes = encrypted ? kRtcpHeaderBytes : size;
  const auto status = key.aead->seal(
      rtcp_nonce(key.salt, *ssrc, index), {packet.first(clear_bytes), word_bytes},
      buffer.subspan(clear_bytes, size - clear_bytes), buffer.subspan(size, tag_bytes));
  if (status != PARLEY_OK) return refused(status);
  return CipherResult::done(size + tag_bytes + kSrtcpWordBytes);
}

CipherResult Session::unprotect_rtcp(std::span<std::uint8_t> packet) {
  auto& key = keys_.rtcp;
  const std::size_t tag_bytes = key.aead->tag_bytes();
  if (packet.size() < kRtcpHeaderBytes + tag_bytes + kSrtcpWordBytes) {
    return refused(PARLEY_ERR_INVALID_ARGUMENT);
  }
  const auto ssrc = parse_rtcp_sender_ssrc(packet);
  if (!ssrc) return refused(PARLEY_ERR_INVALID_ARGUMENT);
  const std::size_t rtcp_bytes = packet.size() - tag_bytes - kSrtcpWordBytes;
  const auto word_bytes = packet.subspan(rtcp_bytes + tag_bytes, kSrtcpWordBytes);
  const std::uint32_t word = load_be32(word_bytes.data());
  const bool encrypted = (word & kSrtcpEncryptedFlag) != 0;
  const std::uint32_t index = word & kMaxSrtcpIndex;

  auto* stream = find(rtcp_streams_, *ssrc);
  if (stream != nullptr && stream->window.check(index) != ReplayWindow::Verdict::fresh) {
    return refused(PARLEY_ERR_REPLAY);
  }
  const std::size_t clear_bytes = encrypted ? kRtcpHeaderBytes : rtcp_bytes;
  const auto ciphertext = packet.subspan(clear_bytes, rtcp_bytes - clear_bytes);
  const auto plaintext = scratch(ciphertext.size());
  const auto status =
      key.aead->open(rtcp_nonce(key.salt, *ssrc, index), {packet.first(clear_bytes), word_bytes},
                     ciphertext, packet.subspan(rtcp_bytes, tag_bytes), plaintext);
  if (status != PARLEY_OK) return refused(status);
  if (stream == nullptr && (stream = add_stream(rtcp_streams_, *ssrc)) == nullptr) {
    return refused(PARLEY_ERR_LIMIT);
  }
  stream->window.accept(index);
  std::copy(plaintext.begin(), plaintext.end(), ciphertext.begin());
  return CipherResult::done(rtcp_bytes);
}

CipherResult Session::seal(std::uint64_t sequence, std::span<const std::uint8_t> aad,
                           std::span<const std::uint8_t> plaintext, std::span<std::uint8_t> out) {
  auto& key = keys_.message;
  const std::size_t tag_bytes = key.aead->tag_bytes();
  if (out.size() < plaintext.size() || out.size() - plaintext.size() < tag_bytes) {
    return refused(PARLEY_ERR_BUFFER_TOO_SMALL);
  }
  if (messages_sealed_ >= max_packets_per_key_) return refused(PARLEY_ERR_LIMIT);
  if (message_window_.check(sequence) != ReplayWindow::Verdict::fresh) {
    return refused(PARLEY_ERR_REPLAY);
  }
  message_window_.accept(sequence);
  ++messages_sealed_;

  if (!plaintext.empty()) std::memmove(out.data(), plaintext.data(), plaintext.size());
  const auto status =
      key.aead->seal(message_nonce(key.salt, sequence), {aad, {}}, out.first(plaintext.size()),
                     out.subspan(plaintext.size(), tag_bytes));
  if (status != PARLEY_OK) return refused(status);
  return CipherResult::done(plaintext.size() + tag_bytes);
}

CipherResult Session::open(std::uint64_t sequence, std::span<const std::uint8_t> aad,
                           std::span<const std::uint8_t> ciphertext, std::span<std::uint8_t> out) {
  auto& key = keys_.message;
  const std::size_t tag_bytes = key.aead->tag_bytes();
  if (ciphertext.size() < tag_bytes) return refused(PARLEY_ERR_INVALID_ARGUMENT);
  const std::size_t plaintext_bytes = ciphertext.size() - tag_bytes;
  if (out.size() < plaintext_bytes) return refused(PARLEY_ERR_BUFFER_TOO_SMALL);
  if (message_window_.check(sequence) != ReplayWindow::Verdict::fresh) {
    return refused(PARLEY_ERR_REPLAY);
  }
  const auto plaintext = out.first(plaintext_bytes);
  const auto status = key.aead->open(message_nonce(key.salt, sequence), {aad, {}},
                                     ciphertext.first(plaintext_bytes),
                                     ciphertext.subspan(plaintext_bytes), plaintext);
  if (status != PARLEY_OK) {
    wipe(plaintext);  // no unauthenticated plaintext may reach the caller
    return refused(status);
  }
  message_window_.accept(sequence);
  return CipherResult::done(plaintext_bytes);
}

}  // namespace parley::srtp
