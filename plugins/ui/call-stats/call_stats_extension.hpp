// The UI extension object the SDK wrapper drives: puts a CallStatsPanel into the
// client's window and feeds it "call.stats" events.
#pragma once

#include <string_view>

#include "call_stats_panel.hpp"
#include "parley/abi/ui_extension.h"

// After a full wx header: wx 3.2's weakref.h alone lacks <type_traits>.
#include <wx/weakref.h>

namespace parley::call_stats {

struct CallStatsExtension {
  static constexpr std::string_view menu_label = "Call &Statistics";
  static constexpr std::string_view stats_event = "call.stats";

  class Extension {
   public:
    Extension(void* host_window, const parley_ui_host& host);
    ~Extension();
    Extension(const Extension&) = delete;
    Extension& operator=(const Extension&) = delete;

    void on_event(std::string_view event, std::string_view json_payload);

   private:
    // The client may close its window first, deleting the panel with it: a
    // weak reference sees that instead of dangling.
    wxWeakRef<CallStatsPanel> panel_;
  };
};

}  // namespace parley::call_stats
