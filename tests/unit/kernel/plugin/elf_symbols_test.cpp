// The exported-symbol reader against a real built plugin and copies of it
// with one field of its dynamic symbol table broken: each is refused with a
// reason, never read out of bounds (the sanitizer build would say so).
#include <elf.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <vector>

#include "plugin/elf_symbols.hpp"
#include "temp_dir.hpp"

namespace parley::plugin {
namespace {

const std::filesystem::path kPlugin =
    std::filesystem::path(PARLEY_BUILT_PLUGIN_DIR) / "parley-codec-g711.so";

std::vector<char> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A copy of the plugin with its .dynsym section header (and the symbols in
// it) handed to change first.
std::filesystem::path broken_copy(
    const test::TempDir& dir,
    const std::function<void(Elf64_Shdr& dynsym, std::vector<char>& bytes)>& change) {
  auto bytes = read_file(kPlugin);
  Elf64_Ehdr header{};
  std::memcpy(&header, bytes.data(), sizeof header);
  for (std::uint16_t i = 0; i < header.e_shnum; ++i) {
    auto* section =
        reinterpret_cast<Elf64_Shdr*>(bytes.data() + header.e_shoff + i * sizeof(Elf64_Shdr));
    if (section->sh_type == SHT_DYNSYM) {
      change(*section, bytes);
      break;
    }
  }
  const auto path = dir / "broken.so";
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

// As the plugin inspector calls it: the section headers read first.
ElfSymbols read(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  Elf64_Ehdr header{};
  file.read(reinterpret_cast<char*>(&header), sizeof header);
  std::vector<Elf64_Shdr> sections(header.e_shnum);
  file.seekg(static_cast<std::streamoff>(header.e_shoff));
  file.read(reinterpret_cast<char*>(sections.data()),
            static_cast<std::streamsize>(sections.size() * sizeof(Elf64_Shdr)));
  return exported_symbols(file, sections, std::filesystem::file_size(path));
}

TEST(ElfSymbols, ARealPluginExportsItsEntry) {
  const auto symbols = read(kPlugin);
  EXPECT_EQ(symbols.error, "");
  EXPECT_NE(std::find(symbols.names.begin(), symbols.names.end(), "parley_plugin_entry_abi1"),
            symbols.names.end());
}

TEST(ElfSymbols, ANameOffsetPastTheStringTableIsRefused) {
  const test::TempDir dir;
  const auto path = broken_copy(dir, [](Elf64_Shdr& dynsym, std::vector<char>& bytes) {
    auto* symbols = reinterpret_cast<Elf64_Sym*>(bytes.data() + dynsym.sh_offset);
    const auto count = dynsym.sh_size / sizeof(Elf64_Sym);
    for (std::size_t i = 0; i < count; ++i) {
      if (symbols[i].st_shndx != SHN_UNDEF && ELF64_ST_BIND(symbols[i].st_info) == STB_GLOBAL) {
        symbols[i].st_name = 0x7fffffff;
      }
    }
  });
  EXPECT_NE(read(path).error.find("past its string table"), std::string::npos) << read(path).error;
}

TEST(ElfSymbols, ATableLinkedToNoStringTableIsRefused) {
  const test::TempDir dir;
  const auto path =
      broken_copy(dir, [](Elf64_Shdr& dynsym, std::vector<char>&) { dynsym.sh_link = 0; });
  EXPECT_NE(read(path).error.find("names no string table"), std::string::npos) << read(path).error;
}

TEST(ElfSymbols, ATableOfImpossibleSizeIsRefused) {
  const test::TempDir dir;
  for (const auto& change : std::vector<std::function<void(Elf64_Shdr&)>>{
           [](Elf64_Shdr& s) { s.sh_entsize = 1; },
           [](Elf64_Shdr& s) { s.sh_size = sizeof(Elf64_Sym) + 1; },
           [](Elf64_Shdr& s) { s.sh_size = std::uint64_t{1} << 40; },
           [](Elf64_Shdr& s) { s.sh_offset = ~std::uint64_t{0} - 8; }}) {
    const auto path =
        broken_copy(dir, [&](Elf64_Shdr& dynsym, std::vector<char>&) { change(dynsym); });
    EXPECT_NE(read(path).error.find("impossible size"), std::string::npos) << read(path).error;
  }
}

}  // namespace
}  // namespace parley::plugin
