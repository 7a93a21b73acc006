// Which UI extensions a client may load: the toolkit check and its reasons.
#include <gtest/gtest.h>

#include "plugin/ui_plugin.hpp"

namespace parley::plugin {
namespace {

TEST(uiParseToolkit, ReadsNameMajorAndMinor) {
  const auto parsed = parse_toolkit("wx/3.2");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->name, "wx");
  EXPECT_EQ(parsed->major, 3u);
  EXPECT_EQ(parsed->minor, 2u);

  const auto two_digit = parse_toolkit("qt-widgets/6.10");
  ASSERT_TRUE(two_digit);
  EXPECT_EQ(two_digit->name, "qt-widgets");
  EXPECT_EQ(two_digit->minor, 10u);
  EXPECT_TRUE(parse_toolkit("wx/3.0"));
  EXPECT_TRUE(parse_toolkit("wx/0.0"));
}

TEST(uiParseToolkit, RefusesEverythingMalformed) {
  for (const std::string_view text : {"",
                                      "wx",
                                      "wx/",
                                      "/3.2",
                                      "wx/3",
                                      "wx/3.",
                                      "wx/.2",
                                      "wx3.2",
                                      "wx-3.2",
                                      "wx/3.2.1",
                                      "wx/3.2 ",
                                      " wx/3.2",
                                      "WX/3.2",
                                      "wx/3.x",
                                      "wx/+3.2",
                                      "wx/-3.2",
                                      "wx/03.2",
                                      "wx/3.02",
                                      "wx//3.2",
                                      "wx/3/2",
                                      "w x/3.2",
                                      "wx/99999999999999999999.1",
                                      "wx/123456.1",
                                      "a-very-long-toolkit-name-past-32-bytes/1.0"}) {
    EXPECT_FALSE(parse_toolkit(text)) << "'" << text << "'";
  }
  const char with_nul[] = {'w', 'x', '\0', '/', '3', '.', '2'};
  EXPECT_FALSE(parse_toolkit(std::string_view(with_nul, sizeof with_nul)));
}

TEST(uiToolkitCompatible, NeedsTheSameNameMajorAndMinor) {
  EXPECT_TRUE(toolkit_compatible("wx/3.2", "wx/3.2"));
  EXPECT_FALSE(toolkit_compatible("wx/3.0", "wx/3.2"));  // wx breaks its ABI between minors
  EXPECT_FALSE(toolkit_compatible("wx/3.3", "wx/3.2"));  // newer minor: no better
  EXPECT_FALSE(toolkit_compatible("wx/2.2", "wx/3.2"));
  EXPECT_FALSE(toolkit_compatible("wx/3.20", "wx/3.2"));  // numbers, not prefixes
  EXPECT_FALSE(toolkit_compatible("qt/3.2", "wx/3.2"));
  EXPECT_FALSE(toolkit_compatible("wxx/3.2", "wx/3.2"));
}

TEST(uiToolkitCompatible, AnythingMalformedIsIncompatible) {
  EXPECT_FALSE(toolkit_compatible("", "wx/3.2"));
  EXPECT_FALSE(toolkit_compatible("wx/3.2.1", "wx/3.2"));
  EXPECT_FALSE(toolkit_compatible("wx/3.2", ""));
  EXPECT_FALSE(toolkit_compatible("wx/3.2", "wx 3.2"));
  EXPECT_FALSE(toolkit_compatible("", ""));
  EXPECT_FALSE(toolkit_compatible("garbage", "garbage"));  // equal strings are not enough
}

TEST(uiToolkitRefusal, SaysWhatEachSideWasBuiltFor) {
  EXPECT_EQ(toolkit_refusal("wx/3.0", "wx/3.2"), "built for wx/3.0, this client is wx/3.2");
  EXPECT_EQ(toolkit_refusal("qt/6.5", "wx/3.2"), "built for qt/6.5, this client is wx/3.2");
  EXPECT_EQ(toolkit_refusal("", "wx/3.2"), "states no UI toolkit; this client is wx/3.2");
  EXPECT_EQ(toolkit_refusal("wx-3.2", "wx/3.2"),
            "states UI toolkit 'wx-3.2', which is not of the form name/major.minor (e.g. wx/3.2)");
  EXPECT_EQ(toolkit_refusal("wx/3.2", "3.2"),
            "this client's toolkit '3.2' is not of the form name/major.minor (e.g. wx/3.2)");
  EXPECT_EQ(toolkit_refusal("wx/3.2", "wx/3.2"), std::nullopt);
}

TEST(uiToolkitRefusal, KeepsPluginTextToOnePrintableLine) {
  const auto reason = toolkit_refusal("wx\n3.2\x1b[31m" + std::string(200, 'x'), "wx/3.2");
  ASSERT_TRUE(reason);
  EXPECT_EQ(reason->find('\n'), std::string::npos);
  EXPECT_EQ(reason->find('\x1b'), std::string::npos);
  EXPECT_LT(reason->size(), 200u);
}

// Records as the loader leaves them, without loading anything.
PluginRecord ui_record(std::string id, std::string toolkit, bool loaded = true) {
  PluginRecord record;
  record.id = std::move(id);
  record.loaded = loaded;
  record.ui_toolkit = std::move(toolkit);
  InterfaceRecord interface;
  interface.kind = PARLEY_KIND_UI_EXTENSION;
  interface.name = record.id + "-panel";
  if (loaded) record.interfaces.push_back(interface);
  return record;
}

TEST(uiExtensionsForHost, ListsEveryUiInterfaceWithAReasonForEachRefusal) {
  std::vector<PluginRecord> records;
  records.push_back(ui_record("org.example.ui.current", "wx/3.2"));
  records.push_back(ui_record("org.example.ui.old", "wx/3.0"));
  records.push_back(ui_record("org.example.ui.qt", "qt/6.5"));
  records.push_back(ui_record("org.example.ui.silent", ""));
  records.push_back(ui_record("org.example.ui.refused", "wx/3.2", /*loaded=*/false));
  PluginRecord codec;
  codec.id = "org.example.codec.x";
  codec.loaded = true;
  codec.interfaces.push_back({PARLEY_KIND_CODEC, "x", 1, 1, 0, nullptr, 0});
  records.push_back(codec);

  const auto candidates = ui_extensions_for_host(records, "wx/3.2");
  ASSERT_EQ(candidates.size(), 4u);  // neither the refused plugin nor the codec

  EXPECT_EQ(candidates[0].offer.plugin->id, "org.example.ui.current");
  EXPECT_EQ(candidates[0].offer.interface->name, "org.example.ui.current-panel");
  EXPECT_TRUE(candidates[0].loadable);
  EXPECT_TRUE(candidates[0].reason.empty());

  EXPECT_FALSE(candidates[1].loadable);
  EXPECT_EQ(candidates[1].reason, "built for wx/3.0, this client is wx/3.2");
  EXPECT_FALSE(candidates[2].loadable);
  EXPECT_EQ(candidates[2].reason, "built for qt/6.5, this client is wx/3.2");
  EXPECT_FALSE(candidates[3].loadable);
  EXPECT_EQ(candidates[3].reason, "states no UI toolkit; this client is wx/3.2");
}

TEST(uiExtensionsForHost, AMalformedHostToolkitRefusesAll) {
  std::vector<PluginRecord> records{ui_record("org.example.ui.current", "wx/3.2")};
  const auto candidates = ui_extensions_for_host(records, "wx");
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_FALSE(candidates[0].loadable);
  EXPECT_NE(candidates[0].reason.find("this client's toolkit 'wx'"), std::string::npos);
}

}  // namespace
}  // namespace parley::plugin
