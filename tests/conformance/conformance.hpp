// Shared by every conformance suite: the plugin under test, loaded once by the
// real kernel loader from --plugin PATH, and its interfaces of one kind.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "plugin/plugin_record.hpp"
#include "plugin/plugin_registry.hpp"

namespace parley::conformance {

// The plugin named on the command line; the suite fails at start if it was refused.
const plugin::PluginRecord& plugin_under_test();
// Its interfaces of one kind, as registry offers, for INSTANTIATE_TEST_SUITE_P.
std::vector<plugin::Offer> offers_of(parley_kind kind);
// Readable test-name suffix from an interface name ("speex-wb" -> "speex_wb").
std::string test_name(const testing::TestParamInfo<plugin::Offer>& info);

}  // namespace parley::conformance
