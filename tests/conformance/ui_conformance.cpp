// What every UI extension must do, in real wx windows on a real (virtual) X
// server: ctest runs this suite under xvfb-run (tests/conformance/ui.cmake).
#include "conformance.hpp"

#if __has_include(<wx/app.h>)

#include <wx/app.h>
#include <wx/evtloop.h>
#include <wx/frame.h>
#include <wx/listctrl.h>
#include <wx/log.h>
#include <wx/panel.h>
#include <wx/sizer.h>

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "parley/sdk/wx.hpp"
#include "plugin/ui_plugin.hpp"

// After a full wx header: wx 3.2's weakref.h alone lacks <type_traits>.
#include <wx/weakref.h>

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

namespace parley::conformance {
namespace {

using plugin::UiExtensionPlugin;
using namespace std::chrono_literals;

// Runs the event loop until done() holds or the deadline passes. Waits block on
// the X connection (DispatchTimeout), so nothing sleeps and nothing spins.
bool pump_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  auto* loop = wxEventLoopBase::GetActive();
  for (;;) {
    wxTheApp->ProcessPendingEvents();
    while (loop->Pending()) loop->Dispatch();
    wxTheApp->ProcessIdle();  // deferred deletions and GTK's size updates
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    loop->DispatchTimeout(20);
  }
}

void pump_pending() {
  pump_until([] { return false; }, 0ms);
}

void fail_on_wx_assert(const wxString& file, int line, const wxString& function,
                       const wxString& condition, const wxString& message) {
  ADD_FAILURE() << "wxWidgets assertion at " << file.utf8_string() << ":" << line << " in "
                << function.utf8_string() << ": " << condition.utf8_string() << " "
                << message.utf8_string();
}

// One wx application for the whole run, as a client has.
class WxEnvironment : public testing::Environment {
 public:
  void SetUp() override {
    wxApp::SetInstance(new wxApp);
    static int argc = 1;
    static char name[] = "parley-conformance-ui";
    static char* argv[] = {name, nullptr};
    ASSERT_TRUE(wxEntryStart(argc, argv))
        << "cannot start wxWidgets: no X display? run under `xvfb-run -a`";
    wxSetAssertHandler(&fail_on_wx_assert);
    // wx would otherwise show errors in modal dialogs that nobody closes.
    delete wxLog::SetActiveTarget(new wxLogStderr);
    ASSERT_TRUE(wxTheApp->CallOnInit());
    loop_ = std::make_unique<wxGUIEventLoop>();
    activator_ = std::make_unique<wxEventLoopActivator>(loop_.get());
    started_ = true;
  }
  void TearDown() override {
    if (!started_) return;
    activator_.reset();
    loop_.reset();
    wxTheApp->OnExit();
    wxEntryCleanup();
  }

 private:
  std::unique_ptr<wxGUIEventLoop> loop_;
  std::unique_ptr<wxEventLoopActivator> activator_;
  bool started_ = false;
};
[[maybe_unused]] testing::Environment* const wx_environment =
    testing::AddGlobalTestEnvironment(new WxEnvironment);

std::set<wxWindow*> children_of(const wxWindow* window) {
  std::set<wxWindow*> children;
  for (auto* child : window->GetChildren()) children.insert(child);
  return children;
}

void collect_descendants(wxWindow* window, std::vector<wxWindow*>& out) {
  for (auto* child : window->GetChildren()) {
    out.push_back(child);
    collect_descendants(child, out);
  }
}

std::vector<wxListCtrl*> list_controls_in(const std::vector<wxWindow*>& roots) {
  std::vector<wxWindow*> windows(roots);
  for (auto* root : roots) collect_descendants(root, windows);
  std::vector<wxListCtrl*> lists;
  for (auto* window : windows) {
    // Not wxDynamicCast: wx 3.2's macro static_casts before it checks, which
    // UBSan rightly reports for every window that is not a list.
    if (auto* list = dynamic_cast<wxListCtrl*>(window)) lists.push_back(list);
  }
  return lists;
}

// Every cell of every list, row by row: what the user can read.
std::vector<std::string> cell_texts(const std::vector<wxListCtrl*>& lists) {
  std::vector<std::string> cells;
  for (auto* list : lists) {
    for (long row = 0; row < list->GetItemCount(); ++row) {
      for (int column = 0; column < list->GetColumnCount(); ++column) {
        cells.push_back(list->GetItemText(row, column).utf8_string());
      }
    }
  }
  return cells;
}

bool any_cell_contains(const std::vector<std::string>& cells, std::string_view text) {
  for (const auto& cell : cells) {
    if (cell.find(text) != std::string::npos) return true;
  }
  return false;
}

constexpr std::string_view kGoodStats =
    R"({"codec":"opus","bitrate_bps":32000,"loss_pct":1.5,"jitter_ms":12.5,)"
    R"("rtt_ms":85,"mos":4.2,"path":"direct/udp"})";

// Payloads a client (or whatever fed it) may get wrong, none of which may crash
// an extension or change what it shows.
std::vector<std::string> garbage_payloads() {
  std::vector<std::string> payloads{
      "",
      "not json",
      "{",
      R"({"codec":"opus")",
      "[1,2,3]",
      "42",
      "null",
      R"("a string")",
      "{}",
      R"({"bitrate_bps":"fast"})",
      R"({"codec":42})",
      R"({"codec":["opus"]})",
      R"({"loss_pct":-5})",
      R"({"loss_pct":1e400})",
      R"({"mos":true})",
      R"({"rtt_ms":{"value":85}})",
      R"({"codec":"op\u0000us"})",
      R"({"codec":"\u001b[31mred"})",
      std::string("{\"codec\":\"\xff\xfe\"}"),
      std::string("{\"codec\":\"opus\"}\0trailing", 25),
      R"({"codec":"opus"} {"codec":"speex"})",
  };
  payloads.push_back(std::string(100'000, '[') + std::string(100'000, ']'));  // deep and oversized
  payloads.push_back(std::string(20'000, '[') + std::string(20'000, ']'));    // deep, under the cap
  // Valid JSON and valid figures, but past the 64 KiB cap.
  payloads.push_back(R"({"codec":"speex","padding":")" + std::string(70'000, 'x') + R"("})");
  payloads.push_back(std::string(1 << 20, ' ') + R"({"codec":"speex"})");
  payloads.push_back(R"({"codec":")" + std::string(5'000, 'y') + R"("})");  // absurd codec name
  return payloads;
}

class UiConformance : public testing::TestWithParam<plugin::Offer> {
 protected:
  void SetUp() override {
    frame_ =
        new wxFrame(nullptr, wxID_ANY, "UI conformance host", wxDefaultPosition, wxSize(560, 420));
    // The usual shape of a client's extension area: a panel with a sizer.
    host_ = new wxPanel(frame_, wxID_ANY, wxDefaultPosition, wxDefaultSize, wxTAB_TRAVERSAL,
                        "conformance-host");
    host_->SetSizer(new wxBoxSizer(wxVERTICAL));
    frame_->Show();
    ASSERT_TRUE(pump_until([this] { return frame_->IsShownOnScreen(); }))
        << "the host frame never appeared on the X server";
  }
  void TearDown() override {
    wxWeakRef<wxFrame> frame(frame_);
    if (frame) frame->Destroy();  // top-level windows go at idle time
    EXPECT_TRUE(pump_until([&] { return !frame; })) << "the host frame was not destroyed";
  }

  [[nodiscard]] parley_ui_host host_table() {
    return {sizeof(parley_ui_host), &commands_, &record_command};
  }
  // The windows an extension added to a window that had `before` as children.
  static std::vector<wxWindow*> added_children(const wxWindow* window,
                                               const std::set<wxWindow*>& before) {
    std::vector<wxWindow*> added;
    for (auto* child : window->GetChildren()) {
      if (before.count(child) == 0) added.push_back(child);
    }
    return added;
  }

  static parley_status record_command(void* context, parley_str command) {
    static_cast<std::vector<std::string>*>(context)->emplace_back(command.data, command.size);
    return PARLEY_OK;
  }

  UiExtensionPlugin plugin_{GetParam(), sdk::wx::toolkit};
  wxFrame* frame_ = nullptr;
  wxPanel* host_ = nullptr;
  std::vector<std::string> commands_;
};

TEST_P(UiConformance, StatesTheToolkitOfThisBuild) {
  const std::string this_build =
      "wx/" + std::to_string(wxMAJOR_VERSION) + "." + std::to_string(wxMINOR_VERSION);
  EXPECT_EQ(GetParam().plugin->ui_toolkit, this_build);
  EXPECT_EQ(sdk::wx::toolkit, this_build);
  EXPECT_TRUE(plugin::toolkit_compatible(GetParam().plugin->ui_toolkit, this_build));
  EXPECT_TRUE(sdk::wx::runtime_matches_headers()) << "test binary and wx libraries disagree";
}

TEST_P(UiConformance, HasAMenuLabel) {
  const auto* api = static_cast<const parley_ui_extension_api*>(GetParam().interface->api);
  EXPECT_GT(api->menu_label.size, 0u) << "the client would list it under its bare name";
  EXPECT_FALSE(plugin_.menu_label().empty());
}

TEST_P(UiConformance, CreatesItsWindowsAsChildrenOfTheHostWindow) {
  const auto before = children_of(host_);
  const auto top_levels_before = wxTopLevelWindows.GetCount();
  auto extension = plugin_.create(host_, host_table());
  const auto added = added_children(host_, before);
  ASSERT_FALSE(added.empty()) << "create() added no window to the host window";
  EXPECT_EQ(wxTopLevelWindows.GetCount(), top_levels_before) << "opened a window of its own";
  for (auto* window : added) EXPECT_EQ(window->GetParent(), host_);
  host_->Layout();
  EXPECT_TRUE(pump_until([&] {
    for (auto* window : added) {
      if (!window->IsShownOnScreen() || window->GetSize().x <= 0 || window->GetSize().y <= 0) {
        return false;
      }
    }
    return true;
  })) << "the extension's windows are not visible with a size";
}

TEST_P(UiConformance, FitsIntoAFrameUsedDirectlyAsTheHostWindow) {
  auto* bare = new wxFrame(nullptr, wxID_ANY, "bare host", wxDefaultPosition, wxSize(480, 360));
  wxWeakRef<wxFrame> bare_ref(bare);
  bare->Show();
  ASSERT_TRUE(pump_until([&] { return bare->IsShownOnScreen(); }));
  {
    auto extension = plugin_.create(bare, host_table());
    const auto added = added_children(bare, {});
    ASSERT_FALSE(added.empty());
    EXPECT_TRUE(pump_until([&] { return added.front()->GetSize().x > 0; }));
  }
  EXPECT_TRUE(bare->GetChildren().empty()) << "destroy left windows in the host frame";
  bare->Destroy();
  EXPECT_TRUE(pump_until([&] { return !bare_ref; }));
}

TEST_P(UiConformance, CallStatsEventsUpdateTheVisibleTable) {
  const auto before = children_of(host_);
  auto extension = plugin_.create(host_, host_table());
  const auto lists = list_controls_in(added_children(host_, before));
  if (lists.empty()) GTEST_SKIP() << "this extension shows no table";
  const auto empty_cells = cell_texts(lists);

  extension.send_event("call.stats", kGoodStats);
  pump_pending();
  const auto cells = cell_texts(lists);
  EXPECT_NE(cells, empty_cells) << "call.stats changed nothing the user can read";
  EXPECT_TRUE(any_cell_contains(cells, "opus")) << "the codec is not shown";

  extension.send_event("call.stats", R"({"codec":"speex"})");
  pump_pending();
  EXPECT_TRUE(any_cell_contains(cell_texts(lists), "speex")) << "a second snapshot was not shown";
}

TEST_P(UiConformance, GarbageNeverCrashesAndLeavesTheTableIntact) {
  const auto before = children_of(host_);
  auto extension = plugin_.create(host_, host_table());
  const auto added = added_children(host_, before);
  const auto lists = list_controls_in(added);
  extension.send_event("call.stats", kGoodStats);
  pump_pending();
  const auto shown = cell_texts(lists);

  for (const auto& payload : garbage_payloads()) {
    SCOPED_TRACE("payload of " + std::to_string(payload.size()) +
                 " bytes: " + payload.substr(0, 60));
    extension.send_event("call.stats", payload);
    extension.send_event("call.state", payload);
    extension.send_event("", payload);
    extension.send_event(std::string(300, 'e'), payload);
    pump_pending();
    ASSERT_EQ(cell_texts(lists), shown) << "a bad payload changed the table";
  }
  EXPECT_EQ(children_of(host_).size(), before.size() + added.size()) << "windows came or went";
  EXPECT_TRUE(commands_.empty()) << "garbage made the extension run client commands";
}

TEST_P(UiConformance, DestroyRemovesItsWindows) {
  const auto before = children_of(host_);
  std::vector<wxWeakRef<wxWindow>> made;
  {
    auto extension = plugin_.create(host_, host_table());
    for (auto* window : added_children(host_, before)) made.emplace_back(window);
    ASSERT_FALSE(made.empty());
    extension.send_event("call.stats", kGoodStats);
  }
  pump_pending();
  EXPECT_EQ(children_of(host_), before);
  for (const auto& window : made) EXPECT_FALSE(window) << "a window outlived its extension";
}

TEST_P(UiConformance, SurvivesTheHostWindowClosingFirst) {
  auto extension = plugin_.create(host_, host_table());
  host_->Destroy();  // a child window: deleted at once, taking the extension's windows along
  host_ = nullptr;
  extension.send_event("call.stats", kGoodStats);  // nothing left to draw into: no crash
  pump_pending();
  // ~UiExtension runs here, after its windows are gone: no double delete.
}

TEST_P(UiConformance, TwoInstancesAreIndependent) {
  const auto before = children_of(host_);
  auto first = plugin_.create(host_, host_table());
  const auto after_first = children_of(host_);
  {
    auto second = plugin_.create(host_, host_table());
    EXPECT_GT(children_of(host_).size(), after_first.size());
    second.send_event("call.stats", kGoodStats);
  }
  EXPECT_EQ(children_of(host_), after_first) << "destroying one instance touched the other";
  first.send_event("call.stats", kGoodStats);
}

TEST_P(UiConformance, RefusesANullHostWindow) {
  const auto* api = static_cast<const parley_ui_extension_api*>(GetParam().interface->api);
  const auto host = host_table();
  void* handle = nullptr;
  EXPECT_EQ(api->create(nullptr, &host, &handle), PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(handle, nullptr);
  EXPECT_EQ(api->create(host_, nullptr, &handle), PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(api->create(host_, &host, nullptr), PARLEY_ERR_INVALID_ARGUMENT);
  try {
    (void)plugin_.create(nullptr, host);
    FAIL() << "the kernel created an extension without a window";
  } catch (const plugin::PluginCallError& error) {
    EXPECT_EQ(error.status(), PARLEY_ERR_INVALID_ARGUMENT);
  }
  EXPECT_TRUE(host_->GetChildren().empty());
}

INSTANTIATE_TEST_SUITE_P(Ui, UiConformance, testing::ValuesIn(offers_of(PARLEY_KIND_UI_EXTENSION)),
                         test_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(UiConformance);

}  // namespace
}  // namespace parley::conformance

#else  // built without wxWidgets (tests/conformance/ui.cmake found none)

TEST(UiConformance, NeedsWxWidgets) {
  GTEST_SKIP() << "parley-conformance-ui was built without wxWidgets; UI extensions are not built";
}

#endif
