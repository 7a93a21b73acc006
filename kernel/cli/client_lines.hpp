// The lines `parley client` prints (client_app.cpp): one event a line, tagged
// ("client:", "presence:", "search:", "call:", "report:"), read by people
// and by scripts. Much of their text comes from peers (display names, super
// node addresses, a caller's id, hangup reasons): it passes through
// log::sanitize here, so a newline a peer slips in can never start a line of
// its own that a script would take for an event.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "call/call_report.hpp"
#include "cli/table.hpp"
#include "overlay/client_node.hpp"

namespace parley::cli {

// Long enough for a search naming 50 users; anything past it is cut.
inline constexpr std::size_t kMaxEventLineBytes = 8192;
// A table cell or a name inside a line.
inline constexpr std::size_t kMaxPeerTextBytes = 128;

// "tag: line", one line of printable characters (the newline is the caller's).
std::string event_line(std::string_view tag, std::string_view line);

// Peer text made safe to put inside a line.
std::string peer_text(std::string_view text, std::size_t max_bytes = kMaxPeerTextBytes);

// "online (at 192.0.2.1:7460)", "offline (no record)", ...
std::string presence_text(const std::optional<overlay::FoundUser>& found);

Table search_table(const std::vector<overlay::FoundUser>& found);
Table report_table(const call::CallReport& report);

// The lines of a table, each a separate event line of tag.
std::vector<std::string> tagged_lines(std::string_view tag, const Table& table);

}  // namespace parley::cli
