// The names a shared library exports, read from its dynamic symbol table
// (.dynsym: what dlsym searches) with every offset, size and name bounded,
// since the file may be hostile. Boost.DLL's library_info is not used for
// this: it reads .symtab without such checks (an empty table, or a name
// offset past the string table, reads out of bounds; found by the
// plugin_inspect fuzzer).
#pragma once

#include <elf.h>

#include <cstdint>
#include <fstream>
#include <span>
#include <string>
#include <vector>

namespace parley::plugin {

struct ElfSymbols {
  std::vector<std::string> names;  // defined, global or weak, default visibility
  std::string error;               // one line when the table cannot be read
};

// Whether [offset, offset + size) lies inside a file of file_size bytes,
// without the sum overflowing (hostile headers carry any 64-bit values).
inline bool lies_inside(std::uint64_t offset, std::uint64_t size, std::uintmax_t file_size) {
  return offset <= file_size && size <= file_size - offset;
}

// For a 64-bit little-endian ELF file of file_size bytes, open in file, with
// its section headers (already read, and checked to lie inside the file).
ElfSymbols exported_symbols(std::ifstream& file, std::span<const Elf64_Shdr> sections,
                            std::uintmax_t file_size);

}  // namespace parley::plugin
