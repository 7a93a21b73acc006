// Password hashing for the login server: Argon2id, with each account's
// parameters stored beside its hash so they can be raised later (an account
// is rehashed with the current parameters at its next successful login).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace parley::login {

struct Argon2Parameters {
  // OWASP Password Storage Cheat Sheet (2024): Argon2id with at least 19 MiB
  // of memory, 2 iterations, parallelism 1 (their first recommended
  // configuration; the alternatives trade memory for iterations at equal
  // cost). About 25-40 ms per hash on one core of a 2020s server, which
  // bounds a stolen database's guessing rate while keeping logins cheap.
  std::uint32_t memory_kib = 19 * 1024;
  std::uint32_t iterations = 2;
  std::uint32_t parallelism = 1;
  bool operator==(const Argon2Parameters&) const = default;
};

inline constexpr std::size_t kSaltBytes = 16;
inline constexpr std::size_t kHashBytes = 32;

struct PasswordHash {
  Argon2Parameters parameters;
  std::array<std::uint8_t, kSaltBytes> salt{};
  std::array<std::uint8_t, kHashBytes> hash{};
};

// A fresh random salt each time. Throws std::runtime_error when Argon2 fails
// (out of memory, parameters out of its range).
PasswordHash hash_password(std::string_view password, const Argon2Parameters& parameters);

// Recomputes with the stored salt and parameters and compares in constant
// time (CRYPTO_memcmp): how many leading bytes match is not observable.
bool verify_password(std::string_view password, const PasswordHash& stored);

// Spent on logins to unknown users, so they take as long as wrong passwords
// and response time does not reveal which user ids exist.
const PasswordHash& dummy_password_hash(const Argon2Parameters& parameters);

// Argon2 work done by this process (the server's statistics, the
// benchmark's cost split): wall time, and CPU time of the hashing threads,
// which on a shared machine is the fairer measure.
struct Argon2Usage {
  std::uint64_t hashes = 0;
  std::chrono::nanoseconds time{0};
  std::chrono::nanoseconds cpu_time{0};
};
Argon2Usage argon2_usage();

}  // namespace parley::login
