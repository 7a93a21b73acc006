// The plugin kinds this kernel speaks, with the interface version of each.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "parley/abi/plugin.h"

namespace parley::plugin {

struct KindSpec {
  parley_kind kind;
  std::string_view name;  // "codec": used in config sections and `plugins list`
  std::uint16_t major;    // the kernel's version of this interface
  std::uint16_t minor;
  std::size_t min_table_size;  // size of the x.0 table: anything smaller is malformed
};

std::span<const KindSpec> all_kinds();
const KindSpec* find_kind(parley_kind kind);
const KindSpec* find_kind(std::string_view name);
// The kind number as a plugin's table declares it. An unknown number must not be
// cast to parley_kind first: a value outside the enum's range is undefined behaviour.
const KindSpec* find_kind_number(std::uint32_t number);

}  // namespace parley::plugin
