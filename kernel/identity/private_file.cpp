#include "identity/private_file.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <random>

namespace parley::identity {
namespace {

std::string errno_text(int error) {
  std::array<char, 256> buffer{};
  // The GNU strerror_r returns the text, which may not be in buffer.
  return strerror_r(error, buffer.data(), buffer.size());
}

struct Descriptor {
  int fd = -1;
  explicit Descriptor(int value) : fd(value) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() {
    if (fd >= 0) ::close(fd);
  }
};

std::string octal_mode(mode_t mode) {
  std::array<char, 8> text{};
  std::snprintf(text.data(), text.size(), "%04o", static_cast<unsigned>(mode & 07777));
  return text.data();
}

std::optional<std::string> descriptor_problem(int fd, const std::filesystem::path& path) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return "cannot stat " + path.string() + ": " + errno_text(errno);
  if (!S_ISREG(info.st_mode)) return path.string() + " is not a regular file";
  if (info.st_uid != ::geteuid()) {
    return path.string() + " belongs to another user (uid " + std::to_string(info.st_uid) +
           "); a private file must be owned by the user running parley";
  }
  if ((info.st_mode & 077) != 0) {
    return path.string() + " is accessible to group or others (mode " + octal_mode(info.st_mode) +
           "); it must be readable by its owner only: run `chmod 600 " + path.string() +
           "`, and if anyone else may have read a key in it, make a new key";
  }
  return std::nullopt;
}

void sync_folder(const std::filesystem::path& folder) {
  const Descriptor dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.fd >= 0) ::fsync(dir.fd);
}

}  // namespace

void write_private_file(const std::filesystem::path& path, std::string_view bytes) {
  const auto folder = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::error_code error;
  if (!std::filesystem::exists(folder, error)) {
    std::filesystem::create_directories(folder, error);
    if (error) {
      throw IdentityError("cannot create " + folder.string() + ": " + error.message());
    }
    std::filesystem::permissions(folder, std::filesystem::perms::owner_all, error);
  }
  std::random_device random;
  const auto temporary =
      folder / ("." + path.filename().string() + ".tmp-" + std::to_string(random()));
  {
    const Descriptor file(
        ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (file.fd < 0) {
      throw IdentityError("cannot create " + temporary.string() + ": " + errno_text(errno));
    }
    std::size_t written = 0;
    while (written < bytes.size()) {
      const auto n = ::write(file.fd, bytes.data() + written, bytes.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const auto text = errno_text(errno);
        ::unlink(temporary.c_str());
        throw IdentityError("cannot write " + temporary.string() + ": " + text);
      }
      written += static_cast<std::size_t>(n);
    }
    if (::fsync(file.fd) != 0) {
      const auto text = errno_text(errno);
      ::unlink(temporary.c_str());
      throw IdentityError("cannot sync " + temporary.string() + ": " + text);
    }
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const auto text = errno_text(errno);
    ::unlink(temporary.c_str());
    throw IdentityError("cannot replace " + path.string() + ": " + text);
  }
  sync_folder(folder);
}

std::optional<std::string> private_file_problem(const std::filesystem::path& path) {
  const Descriptor file(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (file.fd < 0) return "cannot open " + path.string() + ": " + errno_text(errno);
  return descriptor_problem(file.fd, path);
}

std::string read_private_file(const std::filesystem::path& path, std::string_view what) {
  const Descriptor file(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (file.fd < 0) {
    throw IdentityError("cannot open " + std::string(what) + " " + path.string() + ": " +
                        errno_text(errno));
  }
  if (auto problem = descriptor_problem(file.fd, path)) {
    throw IdentityError("refusing to use " + std::string(what) + ": " + *problem);
  }
  std::string bytes;
  std::array<char, 4096> buffer{};
  for (;;) {
    const auto n = ::read(file.fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw IdentityError("cannot read " + path.string() + ": " + errno_text(errno));
    if (n == 0) break;
    bytes.append(buffer.data(), static_cast<std::size_t>(n));
    // Key and certificate files are a few hundred bytes; anything large is not ours.
    if (bytes.size() > std::size_t{64} * 1024) throw IdentityError(path.string() + " is too large");
  }
  OPENSSL_cleanse(buffer.data(), buffer.size());
  return bytes;
}

SigningKey load_key_file(const std::filesystem::path& path) {
  auto pem = read_private_file(path, "key file");
  try {
    auto key = SigningKey::from_pem(pem);
    OPENSSL_cleanse(pem.data(), pem.size());
    return key;
  } catch (const IdentityError& error) {
    OPENSSL_cleanse(pem.data(), pem.size());
    throw IdentityError("key file " + path.string() + ": " + error.what());
  }
}

void save_key_file(const std::filesystem::path& path, const SigningKey& key) {
  auto pem = key.to_pem();
  try {
    write_private_file(path, pem);
  } catch (...) {
    OPENSSL_cleanse(pem.data(), pem.size());
    throw;
  }
  OPENSSL_cleanse(pem.data(), pem.size());
}

LoadedKey load_or_create_key_file(const std::filesystem::path& path) {
  std::error_code error;
  if (std::filesystem::exists(std::filesystem::symlink_status(path, error))) {
    return {load_key_file(path), false};
  }
  auto key = SigningKey::generate();
  save_key_file(path, key);
  return {std::move(key), true};
}

}  // namespace parley::identity
