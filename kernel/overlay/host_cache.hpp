// The client's host cache (ARCHITECTURE.md section 7): up to 200 super nodes,
// ranked, persisted under the data dir. The file comes from disk that other
// programs (or a crash) may have damaged, so it is read defensively: a size
// limit, a schema check per entry, and a corrupt file is set aside with a
// warning, never a crash.
//
// Trust: milestone 1 pins super-node keys trust-on-first-use per address. The
// key a super node presents on the first TLS connection to an address is
// recorded here, and later connections to that address must present the same
// key. Milestone 2 replaces this with keys certified by the login server.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "identity/signing_key.hpp"

namespace parley::overlay {

inline constexpr std::size_t kHostCacheCapacity = 200;
inline constexpr std::uintmax_t kMaxHostCacheFileBytes = std::uintmax_t{256} * 1024;

struct HostCacheEntry {
  std::string address;  // "host:port"
  std::optional<identity::PublicKey> key;
  std::int64_t last_success_unix_s = 0;  // 0: never
  std::uint32_t rtt_ms = 0;              // of the last successful attach; 0: unknown
  std::uint32_t consecutive_failures = 0;
};

class HostCache {
 public:
  // Learns an address (from a super node's list or the bootstrap list). A
  // known address keeps its history; a key is recorded only if none was.
  void learn(const std::string& address, const std::optional<identity::PublicKey>& key,
             std::int64_t now_unix_s);
  void record_success(const std::string& address, const identity::PublicKey& key,
                      std::uint32_t rtt_ms, std::int64_t now_unix_s);
  void record_failure(const std::string& address);
  [[nodiscard]] const HostCacheEntry* find(const std::string& address) const;

  // Best first: fewer consecutive failures; then a success in the last day
  // before none; then lower RTT; then the more recent success.
  [[nodiscard]] std::vector<HostCacheEntry> ranked(std::int64_t now_unix_s) const;
  [[nodiscard]] std::size_t size() const { return entries_.size(); }
  [[nodiscard]] const std::vector<HostCacheEntry>& entries() const { return entries_; }

  [[nodiscard]] std::string to_json() const;
  // Empty optional when text is not a valid host cache.
  static std::optional<HostCache> from_json(const std::string& text);

  // Atomic (temporary file, sync, rename), mode 0600.
  void save(const std::filesystem::path& path) const;
  // A missing file is an empty cache; a corrupt or oversized one is renamed
  // to <path>.corrupt, warned about, and replaced by an empty cache.
  static HostCache load(const std::filesystem::path& path);

 private:
  // Over capacity, the worst-ranked entries go.
  void trim(std::int64_t now_unix_s);
  std::vector<HostCacheEntry> entries_;
};

std::int64_t unix_now_s();

}  // namespace parley::overlay
