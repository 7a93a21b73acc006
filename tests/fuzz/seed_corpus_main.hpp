// The main() of a seed-corpus tool: writes the seeds a build makes into DIR,
// or with --check fails unless DIR holds exactly those (the format changed:
// regenerate and review). Seeds are made by code, not committed by hand, so
// they follow the formats they exercise.
#pragma once

#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

namespace parley::fuzz {

using SeedBytes = std::vector<std::uint8_t>;
using Seeds = std::map<std::string, SeedBytes>;

inline SeedBytes read_seed_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), {}};
}

template <typename MakeSeeds>
int seed_corpus_main(int argc, char** argv, const char* program, MakeSeeds make_seeds) try {
  namespace fs = std::filesystem;
  const bool checking = argc == 3 && std::string(argv[1]) == "--check";
  if (argc != 2 && !checking) {
    std::cerr << "usage: " << program << " [--check] DIR\n";
    return 2;
  }
  const fs::path dir = argv[argc - 1];
  const Seeds expected = make_seeds();
  if (checking) {
    std::size_t files = 0;
    for (const auto& entry : fs::directory_iterator(dir)) files += entry.is_regular_file() ? 1 : 0;
    for (const auto& [name, bytes] : expected) {
      if (read_seed_file(dir / name) != bytes) {
        std::cerr << "seed " << name << " differs from what this build writes\n";
        return 1;
      }
    }
    if (files != expected.size()) {
      std::cerr << dir << " holds " << files << " files, not " << expected.size() << "\n";
      return 1;
    }
    std::cout << expected.size() << " seeds match this build\n";
    return 0;
  }
  fs::create_directories(dir);
  for (const auto& [name, bytes] : expected) {
    std::ofstream file(dir / name, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
  }
  std::cout << "wrote " << expected.size() << " seeds to " << dir << "\n";
  return 0;
} catch (const std::exception& error) {
  std::cerr << program << ": " << error.what() << "\n";
  return 1;
}

}  // namespace parley::fuzz
