// UiExtensionPlugin and UiExtension on real plugin files (fake toolkit, real SDK
// wrapper, real loader): the toolkit gate, create/event/destroy, and lifetimes.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "fake_toolkit.hpp"
#include "plugin/ui_plugin.hpp"

namespace parley::plugin {
namespace {

using test::FakeWindow;

constexpr std::string_view kHostToolkit = "fake/1.0";

// The client side of parley_ui_host: every command an extension runs.
struct CommandLog {
  std::vector<std::string> commands;

  static parley_status record(void* context, parley_str command) {
    static_cast<CommandLog*>(context)->commands.emplace_back(command.data, command.size);
    return PARLEY_OK;
  }
  [[nodiscard]] parley_ui_host host() {
    return {sizeof(parley_ui_host), this, &CommandLog::record};
  }
};

class uiPluginTest : public testing::Test {
 protected:
  void SetUp() override { registry.discover({PARLEY_UI_FIXTURE_DIR}); }

  [[nodiscard]] Offer offer_from(std::string_view id) const {
    const auto* record = registry.find(id);
    if (record == nullptr || !record->loaded || record->interfaces.empty()) {
      throw std::runtime_error("fixture not loaded: " + std::string(id));
    }
    return {record, &record->interfaces.front()};
  }

  PluginRegistry registry;
  CommandLog log;
  FakeWindow window;
};

TEST_F(uiPluginTest, FixturesLoadWithTheToolkitTheyState) {
  ASSERT_EQ(registry.records().size(), 3u);
  for (const auto& record : registry.records()) EXPECT_TRUE(record.loaded) << record.reason;
  EXPECT_EQ(offer_from("org.parley.test.ui-fake-1-0").plugin->ui_toolkit, "fake/1.0");
  EXPECT_EQ(offer_from("org.parley.test.ui-fake-0-9").plugin->ui_toolkit, "fake/0.9");
  EXPECT_EQ(offer_from("org.parley.test.ui-none").plugin->ui_toolkit, "");
}

TEST_F(uiPluginTest, ListsWhichExtensionsThisClientMayLoad) {
  const auto candidates = ui_extensions_for_host(registry, kHostToolkit);
  ASSERT_EQ(candidates.size(), 3u);
  std::vector<std::string> lines;
  lines.reserve(candidates.size());
  for (const auto& candidate : candidates) {
    lines.push_back(candidate.offer.plugin->id + ": " +
                    (candidate.loadable ? std::string("ok") : candidate.reason));
  }
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "org.parley.test.ui-fake-0-9: built for fake/0.9, this client is fake/1.0",
                       "org.parley.test.ui-fake-1-0: ok",
                       "org.parley.test.ui-none: states no UI toolkit; this client is fake/1.0"}));
}

TEST_F(uiPluginTest, RefusesToWrapAnExtensionOfAnotherToolkit) {
  try {
    UiExtensionPlugin plugin(offer_from("org.parley.test.ui-fake-0-9"), kHostToolkit);
    FAIL() << "a fake/0.9 extension was accepted by a fake/1.0 client";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("built for fake/0.9, this client is fake/1.0"),
              std::string::npos)
        << error.what();
  }
  EXPECT_THROW(UiExtensionPlugin(offer_from("org.parley.test.ui-none"), kHostToolkit),
               std::runtime_error);
}

TEST_F(uiPluginTest, DescribesItself) {
  const UiExtensionPlugin plugin(offer_from("org.parley.test.ui-fake-1-0"), kHostToolkit);
  EXPECT_EQ(plugin.name(), "fake-ui");
  EXPECT_EQ(plugin.menu_label(), "&Fake panel");
  EXPECT_EQ(plugin.toolkit(), "fake/1.0");
}

TEST_F(uiPluginTest, CreateSendAndDestroyReachThePlugin) {
  const UiExtensionPlugin plugin(offer_from("org.parley.test.ui-fake-1-0"), kHostToolkit);
  {
    auto extension = plugin.create(&window, log.host());
    EXPECT_EQ(window.children, 1);
    extension.send_event("call.stats", R"({"codec":"opus"})");
    auto moved = std::move(extension);  // the moved-from one must not destroy twice
    moved.send_event("call.state", "{}");
    EXPECT_EQ(window.children, 1);
  }
  EXPECT_EQ(window.children, 0);
  EXPECT_EQ(log.commands,
            (std::vector<std::string>{"created", R"(event call.stats {"codec":"opus"})",
                                      "event call.state {}", "destroyed"}));
}

TEST_F(uiPluginTest, TheHostTableMayGoOutOfScopeAfterCreate) {
  const UiExtensionPlugin plugin(offer_from("org.parley.test.ui-fake-1-0"), kHostToolkit);
  auto extension = [&] {
    parley_ui_host short_lived = log.host();
    return plugin.create(&window, short_lived);
  }();
  extension.send_event("late", "1");
  EXPECT_EQ(log.commands.back(), "event late 1");
}

// Not a uiPluginTest: its registry would keep the library mapped on its own.
TEST(uiExtensionLifetime, KeepsItsLibraryAfterTheRegistryIsGone) {
  CommandLog log;
  FakeWindow window;
  auto registry = std::make_unique<PluginRegistry>();
  registry->discover({PARLEY_UI_FIXTURE_DIR});
  const auto* record = registry->find("org.parley.test.ui-fake-1-0");
  ASSERT_NE(record, nullptr);
  const UiExtensionPlugin plugin({record, &record->interfaces.front()}, kHostToolkit);
  auto extension = plugin.create(&window, log.host());
  registry.reset();  // the library would be unmapped here without the extension's reference
  extension.send_event("still", "alive");
  EXPECT_EQ(log.commands.back(), "event still alive");
}

TEST_F(uiPluginTest, NullHostWindowIsAnInvalidArgument) {
  const UiExtensionPlugin plugin(offer_from("org.parley.test.ui-fake-1-0"), kHostToolkit);
  try {
    (void)plugin.create(nullptr, log.host());
    FAIL() << "created an extension without a window";
  } catch (const PluginCallError& error) {
    EXPECT_EQ(error.status(), PARLEY_ERR_INVALID_ARGUMENT);
  }
  // The SDK wrapper refuses it too, for clients that call the table directly.
  const auto* api = static_cast<const parley_ui_extension_api*>(
      offer_from("org.parley.test.ui-fake-1-0").interface->api);
  void* handle = nullptr;
  const auto host = log.host();
  EXPECT_EQ(api->create(nullptr, &host, &handle), PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(api->create(&window, nullptr, &handle), PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(api->create(&window, &host, nullptr), PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(handle, nullptr);
  EXPECT_TRUE(log.commands.empty());
}

TEST_F(uiPluginTest, AThrowingExtensionBecomesAStatusNotACrash) {
  const UiExtensionPlugin plugin(offer_from("org.parley.test.ui-fake-1-0"), kHostToolkit);
  window.refuse_children = true;
  try {
    (void)plugin.create(&window, log.host());
    FAIL() << "the constructor's exception was lost";
  } catch (const PluginCallError& error) {
    EXPECT_EQ(error.status(), PARLEY_ERR_INTERNAL);
  }
  window.refuse_children = false;
  auto extension = plugin.create(&window, log.host());
  extension.send_event("throw", "");  // swallowed at the plugin's edge
  extension.send_event("after", "ok");
  EXPECT_EQ(log.commands.back(), "event after ok");
}

}  // namespace
}  // namespace parley::plugin
