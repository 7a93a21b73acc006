#include "overlay/host_cache.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "identity/private_file.hpp"
#include "log/log.hpp"

namespace parley::overlay {
namespace {

using nlohmann::json;
constexpr std::int64_t kRecentS = std::int64_t{24} * 3600;

bool better(const HostCacheEntry& a, const HostCacheEntry& b, std::int64_t now) {
  const bool a_recent = a.last_success_unix_s != 0 && now - a.last_success_unix_s <= kRecentS;
  const bool b_recent = b.last_success_unix_s != 0 && now - b.last_success_unix_s <= kRecentS;
  // Failures first: a super node that just went away must not be retried
  // before the others only because it worked a minute ago.
  if (a.consecutive_failures != b.consecutive_failures) {
    return a.consecutive_failures < b.consecutive_failures;
  }
  if (a_recent != b_recent) return a_recent;
  // An unknown RTT ranks after any measured one.
  const auto a_rtt = a.rtt_ms == 0 ? UINT32_MAX : a.rtt_ms;
  const auto b_rtt = b.rtt_ms == 0 ? UINT32_MAX : b.rtt_ms;
  if (a_rtt != b_rtt) return a_rtt < b_rtt;
  return a.last_success_unix_s > b.last_success_unix_s;
}

}  // namespace

std::int64_t unix_now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void HostCache::learn(const std::string& address, const std::optional<identity::PublicKey>& key,
                      std::int64_t now_unix_s) {
  for (auto& entry : entries_) {
    if (entry.address == address) {
      if (!entry.key && key) entry.key = key;
      return;
    }
  }
  entries_.push_back({address, key, 0, 0, 0});
  trim(now_unix_s);
}

void HostCache::record_success(const std::string& address, const identity::PublicKey& key,
                               std::uint32_t rtt_ms, std::int64_t now_unix_s) {
  learn(address, key, now_unix_s);
  for (auto& entry : entries_) {
    if (entry.address == address) {
      entry.key = key;
      entry.last_success_unix_s = now_unix_s;
      entry.rtt_ms = std::max<std::uint32_t>(rtt_ms, 1);
      entry.consecutive_failures = 0;
    }
  }
}

void HostCache::record_failure(const std::string& address) {
  for (auto& entry : entries_) {
    if (entry.address == address) ++entry.consecutive_failures;
  }
}

const HostCacheEntry* HostCache::find(const std::string& address) const {
  for (const auto& entry : entries_) {
    if (entry.address == address) return &entry;
  }
  return nullptr;
}

std::vector<HostCacheEntry> HostCache::ranked(std::int64_t now_unix_s) const {
  auto sorted = entries_;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [now_unix_s](const auto& a, const auto& b) { return better(a, b, now_unix_s); });
  return sorted;
}

void HostCache::trim(std::int64_t now_unix_s) {
  if (entries_.size() <= kHostCacheCapacity) return;
  entries_ = ranked(now_unix_s);
  entries_.resize(kHostCacheCapacity);
}

std::string HostCache::to_json() const {
  json list = json::array();
  for (const auto& entry : entries_) {
    list.push_back({{"address", entry.address},
                    {"key", entry.key ? entry.key->to_text() : ""},
                    {"last_success_unix_s", entry.last_success_unix_s},
                    {"rtt_ms", entry.rtt_ms},
                    {"consecutive_failures", entry.consecutive_failures}});
  }
  return json{{"format", "parley-host-cache"}, {"version", 1}, {"super_nodes", list}}.dump(1) +
         "\n";
}

std::optional<HostCache> HostCache::from_json(const std::string& text) {
  if (text.size() > kMaxHostCacheFileBytes) return std::nullopt;
  const auto document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object() || document.value("format", "") != "parley-host-cache" ||
      !document.contains("super_nodes") || !document["super_nodes"].is_array()) {
    return std::nullopt;
  }
  HostCache cache;
  for (const auto& item : document["super_nodes"]) {
    if (!item.is_object() || !item.contains("address") || !item["address"].is_string()) {
      return std::nullopt;
    }
    HostCacheEntry entry;
    entry.address = item["address"].get<std::string>();
    if (entry.address.empty() || entry.address.size() > 256) return std::nullopt;
    if (item.contains("key") && item["key"].is_string() &&
        !item["key"].get<std::string>().empty()) {
      entry.key = identity::PublicKey::from_text(item["key"].get<std::string>());
      if (!entry.key) return std::nullopt;
    }
    const auto number = [&](const char* name) -> std::optional<std::int64_t> {
      if (!item.contains(name)) return 0;
      if (!item[name].is_number_integer()) return std::nullopt;
      const auto value = item[name].get<std::int64_t>();
      if (value < 0) return std::nullopt;
      return value;
    };
    const auto success = number("last_success_unix_s");
    const auto rtt = number("rtt_ms");
    const auto failures = number("consecutive_failures");
    if (!success || !rtt || !failures || *rtt > UINT32_MAX || *failures > UINT32_MAX) {
      return std::nullopt;
    }
    entry.last_success_unix_s = *success;
    entry.rtt_ms = static_cast<std::uint32_t>(*rtt);
    entry.consecutive_failures = static_cast<std::uint32_t>(*failures);
    if (cache.find(entry.address) == nullptr) cache.entries_.push_back(std::move(entry));
  }
  cache.trim(unix_now_s());
  return cache;
}

void HostCache::save(const std::filesystem::path& path) const {
  identity::write_private_file(path, to_json());
}

HostCache HostCache::load(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return {};
  const auto size = std::filesystem::file_size(path, error);
  std::optional<HostCache> cache;
  if (!error && size <= kMaxHostCacheFileBytes) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    cache = from_json(text.str());
  }
  if (cache) return std::move(*cache);
  auto aside = path;
  aside += ".corrupt";
  std::filesystem::rename(path, aside, error);
  log::warn("overlay", "host cache " + path.string() + " is corrupt or too large; set aside as " +
                           aside.string() + " and starting with an empty one");
  return {};
}

}  // namespace parley::overlay
