// For fixtures that start directory nodes: the real OpenDHT plugin from the
// build tree, loaded once per test suite, and each test's plugin_ made from it.
//   class MyTest : public test::WithOpenDhtPlugin<testing::Test> { ... };
// A fixture with a SetUp of its own calls WithOpenDhtPlugin::SetUp() first.
#pragma once

#include <gtest/gtest.h>

#include <optional>

#include "built_plugin.hpp"
#include "plugin/directory_plugin.hpp"

namespace parley::test {

template <typename Fixture>
class WithOpenDhtPlugin : public Fixture {
 protected:
  static void SetUpTestSuite() { opendht_.load(); }
  static void TearDownTestSuite() { opendht_.unload(); }

  void SetUp() override {
    ASSERT_EQ(opendht_.problem(), "");
    plugin_.emplace(opendht_.offer());
  }

  std::optional<plugin::DirectoryPlugin> plugin_;

 private:
  static inline BuiltPlugin opendht_{"parley-directory-opendht.so"};
};

}  // namespace parley::test
