#include "plugin/plugin_file_inspector.hpp"

#include <elf.h>

#include <array>
#include <charconv>
#include <cstring>
#include <fstream>
#include <vector>

#include "parley/abi/plugin.h"
#include "plugin/elf_symbols.hpp"

namespace parley::plugin {
namespace {

// Larger files are refused rather than parsed: no real plugin comes near it.
constexpr std::uintmax_t kMaxPluginFileBytes = 512ull * 1024 * 1024;

InspectionResult refuse(std::string reason) {
  return {false, std::move(reason), {}};
}

#if defined(__x86_64__)
constexpr std::uint16_t kHostMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr std::uint16_t kHostMachine = EM_AARCH64;
#else
constexpr std::uint16_t kHostMachine = EM_NONE;
#endif

// Checks the ELF header and that every table it points at lies inside the file,
// which is how a truncated copy shows itself; keeps the section headers read.
std::string check_elf_header(std::ifstream& file, std::uintmax_t file_size,
                             std::vector<Elf64_Shdr>& sections) {
  Elf64_Ehdr header{};
  file.read(reinterpret_cast<char*>(&header), sizeof header);
  const auto bytes_read = static_cast<std::size_t>(file.gcount());
  if (bytes_read < SELFMAG || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) {
    return "not a shared library: no ELF header";
  }
  if (bytes_read < sizeof header) {
    return "truncated library: file is too short for an ELF header";
  }
  file.clear();
  if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_ident[EI_DATA] != ELFDATA2LSB) {
    return "not a library for this machine (ELF class or byte order differs)";
  }
  if (header.e_type != ET_DYN) return "not a shared library (ELF file of another type)";
  if (kHostMachine != EM_NONE && header.e_machine != kHostMachine) {
    return "built for another CPU architecture (ELF machine " + std::to_string(header.e_machine) +
           ")";
  }
  if (header.e_phentsize != 0 && header.e_phentsize != sizeof(Elf64_Phdr)) {
    return "malformed library: unexpected program header size";
  }
  if (header.e_shentsize != 0 && header.e_shentsize != sizeof(Elf64_Shdr)) {
    return "malformed library: unexpected section header size";
  }
  if (!lies_inside(header.e_phoff, std::uint64_t{header.e_phnum} * header.e_phentsize, file_size) ||
      !lies_inside(header.e_shoff, std::uint64_t{header.e_shnum} * header.e_shentsize, file_size)) {
    return "truncated library: its headers point past the end of the file (" +
           std::to_string(file_size) + " bytes)";
  }
  // Every section with file contents must also be inside the file.
  file.seekg(static_cast<std::streamoff>(header.e_shoff));
  for (std::uint16_t i = 0; i < header.e_shnum; ++i) {
    Elf64_Shdr section{};
    if (!file.read(reinterpret_cast<char*>(&section), sizeof section)) {
      return "truncated library: cannot read section headers";
    }
    if (section.sh_type != SHT_NOBITS &&
        !lies_inside(section.sh_offset, section.sh_size, file_size)) {
      return "truncated library: section " + std::to_string(i) +
             " extends past the end of the file";
    }
    sections.push_back(section);
  }
  return {};
}

}  // namespace

InspectionResult inspect_plugin_file(const std::filesystem::path& path) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (error || !std::filesystem::is_regular_file(status)) {
    return refuse("not a regular file");
  }
  const auto size = std::filesystem::file_size(path, error);
  if (error) return refuse("cannot read file size: " + error.message());
  if (size > kMaxPluginFileBytes) return refuse("file too large to be a plugin");
  std::ifstream file(path, std::ios::binary);
  std::vector<Elf64_Shdr> sections;
  if (auto problem = check_elf_header(file, size, sections); !problem.empty()) {
    return refuse(problem);
  }

  auto exported = exported_symbols(file, sections, size);
  if (!exported.error.empty()) return refuse(exported.error);
  const auto& symbols = exported.names;

  const std::string_view prefix = PARLEY_ENTRY_NAME_PREFIX;
  const std::string ours = prefix.data() + std::to_string(PARLEY_ABI_VERSION);
  std::string other;
  for (const auto& symbol : symbols) {
    if (symbol == ours) return {true, {}, symbol};
    // Only prefix + digits is an entry of some ABI; anything else is an unrelated name.
    const bool is_entry =
        symbol.size() > prefix.size() && symbol.starts_with(prefix) &&
        symbol.find_first_not_of("0123456789", prefix.size()) == std::string::npos;
    if (is_entry) other = symbol;
  }
  if (other.empty()) {
    return refuse("not a Parley plugin: no " + ours + " entry symbol");
  }
  const std::string_view tag = std::string_view(other).substr(prefix.size());
  return refuse("built for plugin ABI " + std::string(tag) + ", this parley speaks ABI " +
                std::to_string(PARLEY_ABI_VERSION) + "; rebuild the plugin against this SDK");
}

}  // namespace parley::plugin
