// The call-statistics view: a native report list of measure and value, under a
// titled group, with a status line saying whether figures are live.
#pragma once

#include <wx/listctrl.h>
#include <wx/panel.h>
#include <wx/stattext.h>

#include "call_stats.hpp"

namespace parley::call_stats {

class CallStatsPanel : public wxPanel {
 public:
  // Window names, so tests and accessibility tools can find each part.
  static constexpr const char* kPanelName = "parley-call-stats";
  static constexpr const char* kTableName = "parley-call-stats-table";
  static constexpr const char* kStatusName = "parley-call-stats-status";
  static constexpr long kValueColumn = 1;

  explicit CallStatsPanel(wxWindow* parent);
  void show(const CallStats& stats);

 private:
  void size_columns();
  void stretch_value_column();

  wxListCtrl* table_;
  int min_value_width_ = 0;
  wxStaticText* status_;
};

}  // namespace parley::call_stats
