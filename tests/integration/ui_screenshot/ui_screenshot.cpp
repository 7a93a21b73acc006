// Loads the call-stats extension through the kernel's loader, opens it in a
// wxFrame, feeds it one call.stats event, checks what its table says, and saves
// a PNG of the frame. Exits 0 only when every check passed and the PNG read back
// from disk is not blank. Needs an X server: ctest runs it under xvfb-run.
#include <wx/app.h>
#include <wx/dcclient.h>
#include <wx/dcmemory.h>
#include <wx/evtloop.h>
#include <wx/frame.h>
#include <wx/image.h>
#include <wx/listctrl.h>
#include <wx/log.h>
#include <wx/panel.h>
#include <wx/sizer.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "log/log.hpp"
#include "parley/sdk/wx.hpp"
#include "plugin/plugin_registry.hpp"
#include "plugin/ui_plugin.hpp"

// Sanitizer builds: the toolkit stack (fontconfig, glib, D-Bus) keeps caches
// for the life of the process and never frees them; LeakSanitizer would fail
// every run on them. Their stacks stop at the uninstrumented library, so
// these patterns do not hide leaks that start in Parley's code.
extern "C" const char* __lsan_default_suppressions();   // NOLINT(bugprone-reserved-identifier)
extern "C" const char* __lsan_default_suppressions() {  // NOLINT(bugprone-reserved-identifier)
  return "leak:libfontconfig.so\nleak:libglib-2.0.so\nleak:libgobject-2.0.so\n"
         "leak:libgio-2.0.so\nleak:libdbus-1.so\nleak:libgtk-3.so\nleak:libgdk-3.so\n"
         "leak:libpango-1.0.so\nleak:libpangoft2-1.0.so\nleak:libcairo.so\nleak:libX11.so\n";
}

namespace {

using namespace std::chrono_literals;

int failures = 0;

void check(bool ok, const std::string& what) {
  std::cout << (ok ? "ok:   " : "FAIL: ") << what << '\n';
  if (!ok) ++failures;
}

void report_wx_assert(const wxString& file, int line, const wxString& /*function*/,
                      const wxString& condition, const wxString& message) {
  check(false, "wxWidgets assertion " + condition.utf8_string() + " at " + file.utf8_string() +
                   ":" + std::to_string(line) + ": " + message.utf8_string());
}

// Runs the event loop until done() holds or the deadline passes; waits block on
// the X connection, so nothing sleeps.
bool pump_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  auto* loop = wxEventLoopBase::GetActive();
  for (;;) {
    wxTheApp->ProcessPendingEvents();
    while (loop->Pending()) loop->Dispatch();
    wxTheApp->ProcessIdle();
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    loop->DispatchTimeout(20);
  }
}

void collect_descendants(wxWindow* window, std::vector<wxWindow*>& out) {
  for (auto* child : window->GetChildren()) {
    out.push_back(child);
    collect_descendants(child, out);
  }
}

std::vector<std::pair<std::string, std::string>> table_rows(const wxListCtrl& table) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (long row = 0; row < table.GetItemCount(); ++row) {
    rows.emplace_back(table.GetItemText(row, 0).utf8_string(),
                      table.GetItemText(row, 1).utf8_string());
  }
  return rows;
}

// The frame's client area as the X server shows it.
wxImage capture_client_area(wxWindow* window) {
  const wxSize size = window->GetClientSize();
  wxBitmap bitmap(size, 24);
  {
    wxClientDC client(window);
    wxMemoryDC memory(bitmap);
    memory.Blit(0, 0, size.x, size.y, &client, 0, 0);
  }
  return bitmap.ConvertToImage();
}

struct PixelStats {
  double luminance_variance = 0;
  std::size_t distinct_colours = 0;
};

PixelStats pixel_stats(const wxImage& image) {
  const auto* rgb = image.GetData();
  const std::size_t pixels = static_cast<std::size_t>(image.GetWidth()) * image.GetHeight();
  double sum = 0;
  double sum_of_squares = 0;
  std::map<std::uint32_t, bool> colours;
  for (std::size_t i = 0; i < pixels; ++i) {
    const unsigned r = rgb[3 * i];
    const unsigned g = rgb[3 * i + 1];
    const unsigned b = rgb[3 * i + 2];
    const double luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    sum += luminance;
    sum_of_squares += luminance * luminance;
    if (colours.size() < 1024) colours[(r << 16) | (g << 8) | b] = true;
  }
  PixelStats stats;
  if (pixels > 0) {
    const double mean = sum / static_cast<double>(pixels);
    stats.luminance_variance = sum_of_squares / static_cast<double>(pixels) - mean * mean;
  }
  stats.distinct_colours = colours.size();
  return stats;
}

std::optional<std::string> argument(int argc, char** argv, const char* name) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  }
  return std::nullopt;
}

parley_status ignore_command(void* /*context*/, parley_str /*command*/) {
  return PARLEY_ERR_UNSUPPORTED;
}

int run(const std::string& plugin_path, const std::string& output_path) {
  parley::plugin::PluginRegistry registry;
  const auto& record = registry.add_file(plugin_path);
  check(record.loaded, "kernel loader accepts " + plugin_path + " " + record.reason);
  if (!record.loaded) return 1;

  // The client's own toolkit, from the wx headers it was built with.
  const auto candidates = parley::plugin::ui_extensions_for_host(registry, PARLEY_WX_TOOLKIT);
  check(candidates.size() == 1 && candidates.front().loadable,
        "call-stats is loadable into a " PARLEY_WX_TOOLKIT " client");
  if (candidates.empty() || !candidates.front().loadable) return 1;
  const parley::plugin::UiExtensionPlugin plugin(candidates.front().offer, PARLEY_WX_TOOLKIT);

  auto* frame =
      new wxFrame(nullptr, wxID_ANY, "Parley - " + wxString::FromUTF8(plugin.menu_label()));
  auto* host = new wxPanel(frame, wxID_ANY);
  host->SetSizer(new wxBoxSizer(wxVERTICAL));
  auto* frame_sizer = new wxBoxSizer(wxVERTICAL);
  frame_sizer->Add(host, wxSizerFlags(1).Expand());
  frame->SetSizer(frame_sizer);

  const parley_ui_host host_table{sizeof(parley_ui_host), nullptr, &ignore_command};
  auto extension = plugin.create(host, host_table);
  frame->Fit();
  frame->Show();

  auto* table =
      dynamic_cast<wxListCtrl*>(wxWindow::FindWindowByName("parley-call-stats-table", frame));
  check(table != nullptr, "the extension's table is in the frame");
  if (table == nullptr) return 1;

  // Painting is what the screenshot needs: count the table's paint events.
  int table_paints = 0;
  std::vector<wxWindow*> table_parts{table};
  collect_descendants(table, table_parts);
  for (auto* part : table_parts) {
    part->Bind(wxEVT_PAINT, [&table_paints](wxPaintEvent& event) {
      ++table_paints;
      event.Skip();  // the table still paints itself
    });
  }
  check(pump_until([&] { return frame->IsShownOnScreen() && table_paints > 0; }),
        "the frame appears and the table paints");
  // The state before any call, kept beside the main shot for review.
  const std::string waiting_path =
      output_path.substr(0, output_path.rfind(".png")) + "-waiting.png";
  const wxImage waiting_shot = capture_client_area(frame);
  check(waiting_shot.SaveFile(wxString::FromUTF8(waiting_path), wxBITMAP_TYPE_PNG),
        "saved " + waiting_path);

  extension.send_event("call.stats",
                       R"({"codec":"opus","bitrate_bps":32000,"loss_pct":1.5,"jitter_ms":12.4,)"
                       R"("rtt_ms":85,"mos":4.21,"path":"direct/udp"})");
  const std::vector<std::pair<std::string, std::string>> expected{{"Codec", "opus"},
                                                                  {"Bitrate", "32.0 kbit/s"},
                                                                  {"Packet loss", "1.5 %"},
                                                                  {"Jitter", "12 ms"},
                                                                  {"Round-trip time", "85 ms"},
                                                                  {"Quality (MOS)", "4.21 (good)"},
                                                                  {"Network path", "Direct, UDP"}};
  const auto rows = table_rows(*table);
  for (const auto& [label, value] : rows) std::cout << "      " << label << " | " << value << '\n';
  check(rows == expected, "the table shows every figure with its unit");

  // A broken client must not blank or corrupt what the user sees.
  extension.send_event("call.stats", R"({"codec":"opus","rtt_ms":"slow"})");
  extension.send_event("call.stats", std::string(70'000, '{'));
  check(table_rows(*table) == expected, "bad payloads leave the table as it was");

  const int paints_before = table_paints;
  table->Refresh();
  check(pump_until([&] { return table_paints > paints_before; }), "the updated table is painted");
  pump_until([] { return false; }, 0ms);

  const wxImage shot = capture_client_area(frame);
  check(shot.IsOk() && shot.SaveFile(wxString::FromUTF8(output_path), wxBITMAP_TYPE_PNG),
        "saved " + output_path);
  // A capture can be stale (wxScreenDC under GTK 3 kept returning its first
  // picture): the figures must show up in the pixels, not only in the model.
  const bool pixels_changed =
      shot.IsOk() && waiting_shot.IsOk() && shot.GetSize() == waiting_shot.GetSize() &&
      std::memcmp(shot.GetData(), waiting_shot.GetData(),
                  static_cast<std::size_t>(shot.GetWidth()) * shot.GetHeight() * 3) != 0;
  check(pixels_changed, "the screenshot differs from the waiting state");

  wxImage reloaded;
  const bool readable = reloaded.LoadFile(wxString::FromUTF8(output_path), wxBITMAP_TYPE_PNG);
  check(readable && reloaded.GetSize() == frame->GetClientSize(),
        "the PNG reads back at the frame's size");
  if (readable) {
    const auto stats = pixel_stats(reloaded);
    std::cout << "      " << reloaded.GetWidth() << "x" << reloaded.GetHeight()
              << " px, luminance variance " << stats.luminance_variance << ", "
              << stats.distinct_colours << " colours\n";
    // A blank or single-colour capture has variance ~0 and a handful of colours;
    // text and rules give hundreds of anti-aliased shades.
    check(stats.luminance_variance > 25 && stats.distinct_colours > 16, "the PNG is not blank");
  }

  {
    const auto destroyed = std::move(extension);  // windows go before the frame does
  }
  check(wxWindow::FindWindowByName("parley-call-stats", frame) == nullptr,
        "destroying the extension removes its panel");
  frame->Destroy();
  pump_until([] { return wxTopLevelWindows.IsEmpty(); });
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const auto plugin_path = argument(argc, argv, "--plugin");
  const auto output_path = argument(argc, argv, "--output");
  if (!plugin_path || !output_path) {
    std::cerr << "usage: " << argv[0]
              << " --plugin PATH/TO/parley-ui-call-stats.so --output SHOT.png\n";
    return 2;
  }
  parley::log::set_level(parley::log::Level::warn);

  wxApp::SetInstance(new wxApp);
  int wx_argc = 1;
  if (!wxEntryStart(wx_argc, argv)) {
    std::cerr << "ui_screenshot: cannot start wxWidgets: no X display? run under `xvfb-run -a`\n";
    return 1;
  }
  wxSetAssertHandler(&report_wx_assert);
  delete wxLog::SetActiveTarget(new wxLogStderr);  // no modal error dialogs
  wxImage::AddHandler(new wxPNGHandler);
  int status = 1;
  {
    wxTheApp->CallOnInit();
    wxGUIEventLoop loop;
    wxEventLoopActivator active(&loop);
    try {
      status = run(*plugin_path, *output_path);
    } catch (const std::exception& error) {
      std::cerr << "ui_screenshot: " << error.what() << '\n';
    }
  }
  wxTheApp->OnExit();
  wxEntryCleanup();
  std::cout << (status == 0 ? "ui_screenshot: all checks passed\n" : "ui_screenshot: FAILED\n");
  return status;
}
