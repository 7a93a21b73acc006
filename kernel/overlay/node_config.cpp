#include "overlay/node_config.hpp"

#include <charconv>
#include <fstream>
#include <stdexcept>
#include <string>

namespace parley::overlay {
namespace {

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

std::uint64_t number(const std::string& value, const std::string& where) {
  std::uint64_t parsed = 0;
  const auto* end = value.data() + value.size();
  if (value.empty() || std::from_chars(value.data(), end, parsed).ptr != end ||
      parsed > 100'000'000) {
    throw std::runtime_error(where + ": expected a number, got '" + value + "'");
  }
  return parsed;
}

}  // namespace

void read_node_config(const std::filesystem::path& file, NodeConfig& config) {
  std::ifstream in(file);
  if (!in) return;
  std::string line;
  bool in_node = false;
  int line_number = 0;
  while (std::getline(in, line) && line_number < 100'000) {
    ++line_number;
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      in_node = line == "[node]";
      continue;
    }
    if (!in_node) continue;
    const auto equals = line.find('=');
    const auto where = file.string() + ":" + std::to_string(line_number);
    if (equals == std::string::npos) throw std::runtime_error(where + ": expected key = value");
    const auto key = trim(line.substr(0, equals));
    const auto value = trim(line.substr(equals + 1));
    if (key == "promotion") {
      const auto policy = parse_promotion_policy(value);
      if (!policy) throw std::runtime_error(where + ": promotion is never, auto or always");
      config.promotion = *policy;
    } else if (key == "keep_alive_ms") {
      config.keep_alive_interval = std::chrono::milliseconds(number(value, where));
    } else if (key == "keep_alive_timeout_ms") {
      config.keep_alive_timeout = std::chrono::milliseconds(number(value, where));
    } else if (key == "connect_timeout_ms") {
      config.connect_timeout = std::chrono::milliseconds(number(value, where));
    } else if (key == "max_clients") {
      config.max_clients = number(value, where);
    } else if (key == "max_peers") {
      config.max_peers = number(value, where);
    } else if (key == "max_connections") {
      config.max_connections = number(value, where);
    } else if (key == "max_connections_per_address") {
      config.max_connections_per_address = number(value, where);
    } else if (key == "login_server_key") {
      config.login_server_key = identity::PublicKey::from_text(value);
      if (!config.login_server_key) {
        throw std::runtime_error(where + ": login_server_key is not an Ed25519 public key");
      }
    } else if (key == "max_relayed_calls") {
      config.max_relayed_calls = number(value, where);
    } else if (key == "relay_bytes_per_s") {
      config.relay_bytes_per_s = number(value, where);
    } else if (key == "upload_kbps") {
      config.upload_kbps = static_cast<unsigned>(number(value, where));
    } else {
      throw std::runtime_error(
          std::string(where).append(": unknown [node] setting '").append(key).append("'"));
    }
  }
  if (config.keep_alive_interval.count() < 10 || config.keep_alive_timeout.count() < 10) {
    throw std::runtime_error(file.string() + ": keep-alive times must be at least 10 ms");
  }
}

}  // namespace parley::overlay
