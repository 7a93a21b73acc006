#include "identity/password_hash.hpp"

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <atomic>
#include <ctime>
#include <map>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>

namespace parley::login {
namespace {

std::atomic<std::uint64_t> g_hashes{0};
std::atomic<std::int64_t> g_hash_ns{0};
std::atomic<std::int64_t> g_hash_cpu_ns{0};

std::int64_t thread_cpu_ns() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

void argon2id(std::string_view password, const Argon2Parameters& parameters,
              std::span<const std::uint8_t> salt, std::span<std::uint8_t> out) {
  const auto start = std::chrono::steady_clock::now();
  const auto start_cpu_ns = thread_cpu_ns();
  const int result = argon2id_hash_raw(parameters.iterations, parameters.memory_kib,
                                       parameters.parallelism, password.data(), password.size(),
                                       salt.data(), salt.size(), out.data(), out.size());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  g_hash_cpu_ns.fetch_add(thread_cpu_ns() - start_cpu_ns, std::memory_order_relaxed);
  g_hashes.fetch_add(1, std::memory_order_relaxed);
  g_hash_ns.fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count(),
                      std::memory_order_relaxed);
  if (result != ARGON2_OK) {
    throw std::runtime_error(std::string("Argon2id failed: ") + argon2_error_message(result));
  }
}

}  // namespace

PasswordHash hash_password(std::string_view password, const Argon2Parameters& parameters) {
  PasswordHash out;
  out.parameters = parameters;
  if (RAND_bytes(out.salt.data(), static_cast<int>(out.salt.size())) != 1) {
    throw std::runtime_error("no randomness for a password salt");
  }
  argon2id(password, parameters, out.salt, out.hash);
  return out;
}

bool verify_password(std::string_view password, const PasswordHash& stored) {
  std::array<std::uint8_t, kHashBytes> computed{};
  argon2id(password, stored.parameters, stored.salt, computed);
  const bool equal = CRYPTO_memcmp(computed.data(), stored.hash.data(), computed.size()) == 0;
  OPENSSL_cleanse(computed.data(), computed.size());
  return equal;
}

const PasswordHash& dummy_password_hash(const Argon2Parameters& parameters) {
  static std::mutex mutex;
  static std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>, PasswordHash> dummies;
  const std::lock_guard lock(mutex);
  const auto key =
      std::make_tuple(parameters.memory_kib, parameters.iterations, parameters.parallelism);
  auto found = dummies.find(key);
  if (found == dummies.end()) {
    std::array<std::uint8_t, 32> random{};
    RAND_bytes(random.data(), static_cast<int>(random.size()));
    const std::string_view unguessable(reinterpret_cast<const char*>(random.data()), random.size());
    found = dummies.emplace(key, hash_password(unguessable, parameters)).first;
  }
  return found->second;
}

Argon2Usage argon2_usage() {
  return {g_hashes.load(std::memory_order_relaxed),
          std::chrono::nanoseconds(g_hash_ns.load(std::memory_order_relaxed)),
          std::chrono::nanoseconds(g_hash_cpu_ns.load(std::memory_order_relaxed))};
}

}  // namespace parley::login
