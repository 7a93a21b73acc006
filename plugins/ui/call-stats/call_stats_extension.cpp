#include "call_stats_extension.hpp"

#include <wx/app.h>
#include <wx/sizer.h>
#include <wx/thread.h>

#include "parley/sdk/wx.hpp"

namespace parley::call_stats {
namespace {

using parley::sdk::Error;

// The panel takes the room the client gives it: a place in the host's sizer,
// or the whole of a host window that holds nothing else.
void attach_to_host(wxWindow* host, CallStatsPanel* panel) {
  if (auto* sizer = host->GetSizer()) {
    sizer->Add(panel, wxSizerFlags(1).Expand());
  } else if (!host->IsTopLevel() && host->GetChildren().size() == 1) {
    auto* fill = new wxBoxSizer(wxVERTICAL);
    fill->Add(panel, wxSizerFlags(1).Expand());
    host->SetSizer(fill);
  }
  // A top-level window without a sizer sizes its sole child itself, in Layout.
  host->Layout();
}

}  // namespace

CallStatsExtension::Extension::Extension(void* host_window, const parley_ui_host& /*host*/) {
  if (wxTheApp == nullptr) {
    throw Error(PARLEY_ERR_UNSUPPORTED, "wxWidgets is not initialised in this client");
  }
  if (!wxIsMainThread()) throw Error(PARLEY_ERR_UNSUPPORTED, "called off the GUI thread");
  if (!sdk::wx::runtime_matches_headers()) {
    throw Error(PARLEY_ERR_UNSUPPORTED, "the client's wxWidgets is not " PARLEY_WX_TOOLKIT);
  }
  wxWindow* host = sdk::wx::host_window(host_window);
  auto* panel = new CallStatsPanel(host);
  panel_ = panel;
  attach_to_host(host, panel);
}

CallStatsExtension::Extension::~Extension() {
  CallStatsPanel* panel = panel_.get();
  if (panel == nullptr) return;  // went with the client's window
  wxWindow* host = panel->GetParent();
  // A child window is deleted at once (only top-level windows wait for idle
  // time), and leaves the host's sizer as it goes.
  panel->Destroy();
  if (host != nullptr) host->Layout();
}

void CallStatsExtension::Extension::on_event(std::string_view event,
                                             std::string_view json_payload) {
  if (event != stats_event) return;  // other client events are for other extensions
  if (!wxIsMainThread()) {
    sdk::log(PARLEY_LOG_WARN, "call.stats ignored: delivered off the GUI thread");
    return;
  }
  CallStatsPanel* panel = panel_.get();
  if (panel == nullptr) return;
  auto parsed = parse_call_stats(json_payload);
  if (!parsed.stats) {
    sdk::log(PARLEY_LOG_WARN, "call.stats ignored: " + parsed.error);
    return;
  }
  panel->show(*parsed.stats);
}

}  // namespace parley::call_stats
