// A UI extension of toolkit FIXTURE_TOOLKIT built with the real SDK wrapper. It
// reports what happens to it through the host's run_command, so the test sees
// the ABI from the client's side.
#include <stdexcept>
#include <string>

#include "fake_toolkit.hpp"
#include "parley/sdk/ui_extension.hpp"

namespace {

struct FakeUi {
  static constexpr std::string_view menu_label = "&Fake panel";

  class Extension {
   public:
    Extension(void* host_window, const parley_ui_host& host)
        : window_(static_cast<parley::test::FakeWindow*>(host_window)), host_(host) {
      if (window_->refuse_children) throw std::runtime_error("this window takes no children");
      ++window_->children;
      parley::sdk::run_command(host_, "created");
    }
    ~Extension() {
      --window_->children;
      parley::sdk::run_command(host_, "destroyed");
    }
    Extension(const Extension&) = delete;
    Extension& operator=(const Extension&) = delete;

    void on_event(std::string_view event, std::string_view json_payload) {
      if (event == "throw") throw std::runtime_error("asked to throw");
      parley::sdk::run_command(host_,
                               "event " + std::string(event) + " " + std::string(json_payload));
    }

   private:
    parley::test::FakeWindow* window_;
    const parley_ui_host& host_;  // the wrapper's copy, valid for our lifetime
  };
};

constexpr parley::sdk::PluginInfo kInfo{
    .id = FIXTURE_ID,
    .display_name = "Fake UI extension",
    .version = "1.0.0",
    .license = "MIT",
    .description = "test fixture",
    .ui_toolkit = FIXTURE_TOOLKIT,
};

}  // namespace

PARLEY_PLUGIN(kInfo, parley::sdk::ui_extension<FakeUi>("fake-ui", 5))
