// wxWidgets glue for UI extensions: the only SDK header that includes wx, so
// extensions built with other toolkits (and the kernel) never see it.
//
//   constexpr parley::sdk::PluginInfo kInfo{..., .ui_toolkit = PARLEY_WX_TOOLKIT};
//   wxWindow* parent = parley::sdk::wx::host_window(handle);
#pragma once

#include <wx/version.h>
#include <wx/window.h>

#include <string_view>

#include "parley/sdk/plugin.hpp"

#define PARLEY_WX_STRINGIFY_(x) #x
#define PARLEY_WX_STRINGIFY(x) PARLEY_WX_STRINGIFY_(x)

// "wx/<major>.<minor>" of the wxWidgets headers this file is compiled against,
// so a descriptor can never claim a version it was not built with.
#define PARLEY_WX_TOOLKIT \
  "wx/" PARLEY_WX_STRINGIFY(wxMAJOR_VERSION) "." PARLEY_WX_STRINGIFY(wxMINOR_VERSION)

namespace parley::sdk::wx {

inline constexpr std::string_view toolkit = PARLEY_WX_TOOLKIT;

// For a "wx/..." toolkit the client's opaque host window is a wxWindow*.
inline wxWindow* host_window(void* handle) {
  return static_cast<wxWindow*>(handle);
}

// True when the wxWidgets libraries loaded at run time are the major.minor the
// headers promised; wx keeps binary compatibility only within one minor series.
inline bool runtime_matches_headers() {
  const auto runtime = wxGetLibraryVersionInfo();
  return runtime.GetMajor() == wxMAJOR_VERSION && runtime.GetMinor() == wxMINOR_VERSION;
}

}  // namespace parley::sdk::wx
