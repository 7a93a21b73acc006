// Bytes that must not outlive their use (passwords): wiped when destroyed,
// never copied implicitly, and never printed (no stream operator).
#pragma once

#include <openssl/crypto.h>

#include <string>
#include <string_view>

namespace parley::identity {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string_view bytes) : bytes_(bytes) {}
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  Secret(Secret&& other) noexcept : bytes_(std::move(other.bytes_)) { other.wipe(); }
  Secret& operator=(Secret&& other) noexcept {
    if (this != &other) {
      wipe();
      bytes_ = std::move(other.bytes_);
      other.wipe();
    }
    return *this;
  }
  ~Secret() { wipe(); }

  [[nodiscard]] std::string_view view() const { return bytes_; }
  [[nodiscard]] std::size_t size() const { return bytes_.size(); }
  [[nodiscard]] bool empty() const { return bytes_.empty(); }
  [[nodiscard]] Secret copy() const { return Secret(bytes_); }
  // For readers that fill a secret piece by piece (a terminal prompt).
  std::string& buffer() { return bytes_; }

  void wipe() {
    // The whole capacity: a shrinking assignment can leave old bytes behind it.
    bytes_.resize(bytes_.capacity());
    OPENSSL_cleanse(bytes_.data(), bytes_.size());
    bytes_.clear();
  }

 private:
  std::string bytes_;
};

// Overwrites a string that held a secret (e.g. a protobuf field) in place.
inline void wipe_string(std::string& text) {
  OPENSSL_cleanse(text.data(), text.size());
  text.clear();
}

}  // namespace parley::identity
