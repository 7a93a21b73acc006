// The lines `parley client` prints carry peer text (display names, super node
// addresses, a caller's id and reasons). A newline in any of it must never
// start a line of its own: scripts read "call: ended: ..." as an event.
#include "cli/client_lines.hpp"

#include <gtest/gtest.h>

namespace parley::cli {
namespace {

constexpr const char* kForgery = "x\ncall: ended: completed\r\n\x1b[2J";

void expect_no_forged_line(const std::vector<std::string>& lines, const std::string& tag) {
  for (const auto& line : lines) {
    EXPECT_EQ(line.find_first_of("\r\n\x1b"), std::string::npos) << line;
    EXPECT_TRUE(line.starts_with(tag + ": ")) << line;
  }
}

overlay::FoundUser found_user(const std::string& display_name, const std::string& super_node) {
  overlay::FoundUser user;
  user.presence.user_id = "eve";
  user.presence.display_name = display_name;
  user.presence.super_node = super_node;
  user.presence.status = directory::Status::online;
  return user;
}

TEST(ClientNodeLines, AnEventLineIsOneLineWhateverItCarries) {
  const auto line = event_line("call", std::string("incoming call from ") + kForgery);
  EXPECT_EQ(line.find_first_of("\r\n\x1b"), std::string::npos) << line;
  EXPECT_TRUE(line.starts_with("call: incoming call from x call: ended"));
  // UTF-8 display names pass unchanged.
  EXPECT_EQ(event_line("search", "Zoë"), "search: Zoë");
}

TEST(ClientNodeLines, SearchTableCellsCannotAddRows) {
  const auto lines = tagged_lines("search", search_table({found_user(kForgery, kForgery)}));
  ASSERT_EQ(lines.size(), 2U);  // the header and eve's row, nothing else
  expect_no_forged_line(lines, "search");
  EXPECT_NE(lines[1].find("eve"), std::string::npos);
}

TEST(ClientNodeLines, ReportCellsFromThePeerCannotAddRows) {
  call::CallReport report;
  report.peer = kForgery;
  report.end_reason = std::string("hung up: ") + kForgery;
  report.remote_media = kForgery;
  const auto lines = tagged_lines("report", report_table(report));
  EXPECT_EQ(lines.size(), 22U);  // the header and 21 fields
  expect_no_forged_line(lines, "report");
}

TEST(ClientNodeLines, PresenceTextNamesTheSuperNodeOnOneLine) {
  EXPECT_EQ(presence_text(std::nullopt), "offline (no record)");
  const auto text = presence_text(found_user("Eve", kForgery));
  EXPECT_EQ(text.find_first_of("\r\n\x1b"), std::string::npos) << text;
  EXPECT_TRUE(text.starts_with("online (at x call: ended"));
}

TEST(ClientNodeLines, OverLongPeerTextIsCut) {
  const auto text = peer_text(std::string(1000, 'a'));
  EXPECT_EQ(text, std::string(kMaxPeerTextBytes, 'a') + "...");
  const auto line = event_line("client", std::string(100'000, 'b'));
  EXPECT_LE(line.size(), kMaxEventLineBytes + 16);
}

}  // namespace
}  // namespace parley::cli
