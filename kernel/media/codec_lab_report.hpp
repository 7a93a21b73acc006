// A codec-lab result as JSON (`parley codec-lab --json`): every counter of
// every stage, with units in the names.
#pragma once

#include <nlohmann/json.hpp>

#include "media/codec_lab.hpp"

namespace parley::media {

nlohmann::json result_json(const CodecLabResult& result);

}  // namespace parley::media
