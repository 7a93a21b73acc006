#include "identity/private_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "identity/identity_store.hpp"
#include "temp_dir.hpp"

namespace parley::identity {
namespace {

namespace fs = std::filesystem;

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  ::stat(path.c_str(), &info);
  return info.st_mode & 07777;
}

TEST(PrivateFile, KeyFileIsWrittenOwnerOnlyInAnOwnerOnlyFolder) {
  const test::TempDir dir;
  const auto file = dir.path() / "new" / "identity_key.pem";
  const auto key = SigningKey::generate();
  save_key_file(file, key);
  EXPECT_EQ(mode_of(file), 0600U);
  EXPECT_EQ(mode_of(file.parent_path()), 0700U);
  EXPECT_EQ(load_key_file(file).public_key(), key.public_key());
  // Only the file itself: the temporary was renamed, not left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(file.parent_path()), fs::directory_iterator()), 1);
}

TEST(PrivateFile, GroupOrOtherPermissionsAreRefusedWithTheFix) {
  const test::TempDir dir;
  const auto file = dir.path() / "identity_key.pem";
  save_key_file(file, SigningKey::generate());
  for (const auto mode : {0644U, 0640U, 0604U, 0660U, 0602U}) {
    ::chmod(file.c_str(), mode);
    try {
      (void)load_key_file(file);
      FAIL() << "mode " << std::oct << mode << " was accepted";
    } catch (const IdentityError& error) {
      const std::string text = error.what();
      EXPECT_NE(text.find("accessible to group or others"), std::string::npos) << text;
      EXPECT_NE(text.find("chmod 600 " + file.string()), std::string::npos) << text;
      char expected_mode[8];
      std::snprintf(expected_mode, sizeof expected_mode, "%04o", mode);
      EXPECT_NE(text.find(expected_mode), std::string::npos) << text;
    }
  }
  ::chmod(file.c_str(), 0600);
  EXPECT_NO_THROW((void)load_key_file(file));
  ::chmod(file.c_str(), 0400);  // read-only for the owner is fine
  EXPECT_NO_THROW((void)load_key_file(file));
}

TEST(PrivateFile, SymlinkIsRefused) {
  const test::TempDir dir;
  const auto real = dir.path() / "real.pem";
  save_key_file(real, SigningKey::generate());
  const auto link = dir.path() / "link.pem";
  fs::create_symlink(real, link);
  EXPECT_THROW((void)load_key_file(link), IdentityError);
  EXPECT_TRUE(private_file_problem(link).has_value());
}

TEST(PrivateFile, MissingOrGarbageKeyFileIsAnError) {
  const test::TempDir dir;
  EXPECT_THROW((void)load_key_file(dir.path() / "absent.pem"), IdentityError);
  const auto garbage = dir.path() / "garbage.pem";
  write_private_file(garbage, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  try {
    (void)load_key_file(garbage);
    FAIL();
  } catch (const IdentityError& error) {
    EXPECT_NE(std::string(error.what()).find(garbage.string()), std::string::npos);
  }
}

TEST(PrivateFile, LoadOrCreateMakesTheKeyOnceThenKeepsIt) {
  const test::TempDir dir;
  const auto file = dir.path() / "identity" / "alice" / "identity_key.pem";
  const auto first = load_or_create_key_file(file);
  EXPECT_TRUE(first.created);
  const auto second = load_or_create_key_file(file);
  EXPECT_FALSE(second.created);
  EXPECT_EQ(first.key.public_key(), second.key.public_key());
}

TEST(PrivateFile, ReplacingKeepsOwnerOnlyMode) {
  const test::TempDir dir;
  const auto file = dir.path() / "certificate";
  write_private_file(file, "one");
  write_private_file(file, "two");
  EXPECT_EQ(read_private_file(file, "certificate"), "two");
  EXPECT_EQ(mode_of(file), 0600U);
}

TEST(IdentityStore, PathsAreUnderTheUsersFolder) {
  const auto paths = identity_paths("alice", "/data");
  EXPECT_EQ(paths.folder, fs::path("/data/identity/alice"));
  EXPECT_EQ(paths.key_file, fs::path("/data/identity/alice/identity_key.pem"));
  EXPECT_EQ(paths.certificate_file, fs::path("/data/identity/alice/certificate"));
  // A user id names a folder: one that could escape it is refused.
  EXPECT_THROW(identity_paths("../x", "/data"), IdentityError);
}

TEST(IdentityStore, CertificateFileRoundTripAndAbsence) {
  const test::TempDir dir;
  const auto file = dir.path() / "certificate";
  EXPECT_FALSE(load_certificate_file(file).has_value());
  const std::vector<std::uint8_t> bytes = {1, 2, 3, 0, 255};
  save_certificate_file(file, bytes);
  EXPECT_EQ(load_certificate_file(file), bytes);
  ::chmod(file.c_str(), 0644);
  EXPECT_THROW((void)load_certificate_file(file), IdentityError);
}

}  // namespace
}  // namespace parley::identity
