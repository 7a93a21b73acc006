#include "identity/user_id.hpp"

#include <gtest/gtest.h>

namespace parley::identity {
namespace {

TEST(UserId, AcceptsTheAlphabet) {
  for (const char* id : {"alice", "bob.smith", "c_3-d", "0", "9lives"}) {
    EXPECT_TRUE(is_valid_user_id(id)) << id;
  }
  EXPECT_TRUE(is_valid_user_id(std::string(64, 'a')));
}

TEST(UserId, RefusesWithAReason) {
  EXPECT_EQ(user_id_problem(""), "user id is empty");
  EXPECT_EQ(user_id_problem(std::string(65, 'a')), "user id is 65 bytes; at most 64 are allowed");
  EXPECT_EQ(user_id_problem(".."), "user id must start with a-z or 0-9");
  EXPECT_EQ(user_id_problem("-rf"), "user id must start with a-z or 0-9");
  for (const char* id : {"aLice", "al ice", "al/ice", "al\nice", "alïce", "a@b"}) {
    EXPECT_EQ(user_id_problem(id), "user id may contain only a-z, 0-9, '.', '_' and '-'") << id;
  }
}

}  // namespace
}  // namespace parley::identity
