#include "call_stats_panel.hpp"

#include <wx/datetime.h>
#include <wx/settings.h>
#include <wx/sizer.h>
#include <wx/statbox.h>

namespace parley::call_stats {
namespace {

wxString to_wx(std::string_view text) {
  return wxString::FromUTF8(text.data(), text.size());
}

// The widest values each column must show without truncation.
constexpr std::array<std::string_view, 3> kWidestValues{"999.99 Mbit/s", "4.41 (excellent)",
                                                        "Hole-punched, UDP"};

}  // namespace

CallStatsPanel::CallStatsPanel(wxWindow* parent)
    : wxPanel(parent, wxID_ANY, wxDefaultPosition, wxDefaultSize, wxTAB_TRAVERSAL, kPanelName) {
  auto* group = new wxStaticBoxSizer(wxVERTICAL, this, _("Call statistics"));
  wxWindow* box = group->GetStaticBox();

  table_ =
      new wxListCtrl(box, wxID_ANY, wxDefaultPosition, wxDefaultSize,
                     wxLC_REPORT | wxLC_SINGLE_SEL | wxLC_HRULES, wxDefaultValidator, kTableName);
  table_->SetHelpText(
      _("Live figures for the current call: codec, bitrate, packet loss, "
        "jitter, round-trip time, estimated quality and network path."));
  table_->AppendColumn(_("Measure"));
  table_->AppendColumn(_("Value"));
  for (const auto label : row_labels()) {
    const long row = table_->InsertItem(table_->GetItemCount(), to_wx(label));
    table_->SetItem(row, kValueColumn, to_wx(kUnknown));
  }
  size_columns();
  // The value column takes whatever width the host gives beyond the labels,
  // so the header has no empty third column.
  table_->Bind(wxEVT_SIZE, [this](wxSizeEvent& event) {
    stretch_value_column();
    event.Skip();
  });

  status_ = new wxStaticText(box, wxID_ANY, _("Waiting for statistics from a call..."),
                             wxDefaultPosition, wxDefaultSize, wxST_NO_AUTORESIZE, kStatusName);
  status_->SetForegroundColour(wxSystemSettings::GetColour(wxSYS_COLOUR_GRAYTEXT));

  group->Add(table_, wxSizerFlags(1).Expand().Border(wxALL, FromDIP(4)));
  group->Add(status_, wxSizerFlags().Expand().Border(wxLEFT | wxRIGHT | wxBOTTOM, FromDIP(4)));
  auto* outer = new wxBoxSizer(wxVERTICAL);
  outer->Add(group, wxSizerFlags(1).Expand().Border(wxALL, FromDIP(8)));
  SetSizer(outer);
}

void CallStatsPanel::size_columns() {
  // Widths from the text itself, not pixels, so fonts and DPI scale them.
  const int padding = FromDIP(24);
  int label_width = table_->GetTextExtent(_("Measure")).x;
  for (const auto label : row_labels()) {
    label_width = std::max(label_width, table_->GetTextExtent(to_wx(label)).x);
  }
  int value_width = table_->GetTextExtent(_("Value")).x;
  for (const auto value : kWidestValues) {
    value_width = std::max(value_width, table_->GetTextExtent(to_wx(value)).x);
  }
  table_->SetColumnWidth(0, label_width + padding);
  table_->SetColumnWidth(kValueColumn, value_width + padding);
  min_value_width_ = value_width + padding;

  // Tall enough for every row and the header, so nothing scrolls.
  wxRect row_rect;
  const int row_height = table_->GetItemRect(0, row_rect) && row_rect.height > 0
                             ? row_rect.height
                             : table_->GetCharHeight() + FromDIP(8);
  const int header_height = table_->GetCharHeight() + FromDIP(12);
  table_->SetMinSize(wxSize(label_width + value_width + 2 * padding + FromDIP(8),
                            header_height + row_height * table_->GetItemCount() + FromDIP(8)));
}

void CallStatsPanel::stretch_value_column() {
  // A pixel short of the client width, or GTK shows a horizontal scrollbar.
  const int available = table_->GetClientSize().x - table_->GetColumnWidth(0) - 1;
  table_->SetColumnWidth(kValueColumn, std::max(min_value_width_, available));
}

void CallStatsPanel::show(const CallStats& stats) {
  const auto rows = display_rows(stats);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto row = static_cast<long>(i);
    const auto value = to_wx(rows[i].value);
    // Only changed cells are touched: no flicker, and a screen reader is not
    // told about figures that stayed the same.
    if (table_->GetItemText(row, kValueColumn) != value) table_->SetItem(row, kValueColumn, value);
  }
  status_->SetLabel(wxString::Format(_("Live, updated %s"), wxDateTime::Now().FormatTime()));
}

}  // namespace parley::call_stats
