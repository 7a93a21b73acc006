#include "plugin/elf_symbols.hpp"

#include <elf.h>

#include <cstring>
#include <fstream>

namespace parley::plugin {
namespace {

// Far above any real plugin; a table past them is refused, not read.
constexpr std::uint64_t kMaxSymbols = 1u << 20;
constexpr std::uint64_t kMaxStringTableBytes = 64ull * 1024 * 1024;

ElfSymbols failed(std::string why) {
  return {{}, "malformed library: " + std::move(why)};
}

bool read_at(std::ifstream& file, std::uint64_t offset, void* out, std::size_t size) {
  file.clear();
  file.seekg(static_cast<std::streamoff>(offset));
  return static_cast<bool>(file.read(static_cast<char*>(out), static_cast<std::streamsize>(size)));
}

}  // namespace

ElfSymbols exported_symbols(std::ifstream& file, std::span<const Elf64_Shdr> sections,
                            std::uintmax_t file_size) {
  if (sections.empty()) return failed("no section headers to find its symbols by");

  const Elf64_Shdr* table = nullptr;
  for (const auto& section : sections) {
    if (section.sh_type == SHT_DYNSYM) {
      table = &section;
      break;
    }
  }
  if (table == nullptr) return {};  // exports nothing
  if (table->sh_entsize != sizeof(Elf64_Sym) || table->sh_size % sizeof(Elf64_Sym) != 0 ||
      table->sh_size / sizeof(Elf64_Sym) > kMaxSymbols ||
      !lies_inside(table->sh_offset, table->sh_size, file_size)) {
    return failed("its dynamic symbol table has an impossible size");
  }
  if (table->sh_link >= sections.size() || sections[table->sh_link].sh_type != SHT_STRTAB) {
    return failed("its dynamic symbol table names no string table");
  }
  const auto& strings_section = sections[table->sh_link];
  if (strings_section.sh_size == 0 || strings_section.sh_size > kMaxStringTableBytes ||
      !lies_inside(strings_section.sh_offset, strings_section.sh_size, file_size)) {
    return failed("its dynamic string table has an impossible size");
  }

  std::vector<Elf64_Sym> symbols(table->sh_size / sizeof(Elf64_Sym));
  std::vector<char> strings(strings_section.sh_size);
  if ((!symbols.empty() &&
       !read_at(file, table->sh_offset, symbols.data(), symbols.size() * sizeof(Elf64_Sym))) ||
      !read_at(file, strings_section.sh_offset, strings.data(), strings.size())) {
    return failed("cannot read its dynamic symbols");
  }

  ElfSymbols out;
  for (const auto& symbol : symbols) {
    const auto binding = ELF64_ST_BIND(symbol.st_info);
    if ((binding != STB_GLOBAL && binding != STB_WEAK) ||
        ELF64_ST_VISIBILITY(symbol.st_other) != STV_DEFAULT || symbol.st_shndx == SHN_UNDEF) {
      continue;
    }
    if (symbol.st_name >= strings.size())
      return failed("a symbol's name lies past its string table");
    const char* name = strings.data() + symbol.st_name;
    const std::size_t room = strings.size() - symbol.st_name;
    const std::size_t length = ::strnlen(name, room);
    if (length == room) return failed("a symbol's name runs past its string table");
    if (length > 0) out.names.emplace_back(name, length);
  }
  return out;
}

}  // namespace parley::plugin
