// The call demo's report: a table for people, JSON for scripts and tests.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/demo_call.hpp"

namespace parley::cli::demo {

// The seed measured Skype's calls at about 5 KB/s on the wire per direction.
inline constexpr double kSeedWireBytesPerS = 5000;

void print_call_report(const CallDemoResult& result, std::ostream& out);
nlohmann::json call_demo_json(const CallDemoResult& result);

}  // namespace parley::cli::demo
