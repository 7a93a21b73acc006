// The plain-program side of every fuzz target: replays files and directories of
// inputs through LLVMFuzzerTestOneInput, so saved inputs run in every build.
#pragma once

#ifndef PARLEY_LIBFUZZER
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

inline int parley_replay_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  const std::vector<char> bytes{std::istreambuf_iterator<char>(file), {}};
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  return 1;
}

int main(int argc, char** argv) {
  int replayed = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path path(argv[i]);
    if (std::filesystem::is_directory(path)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(path)) {
        if (entry.is_regular_file()) replayed += parley_replay_file(entry.path());
      }
    } else {
      replayed += parley_replay_file(path);
    }
  }
  std::printf("replayed %d input(s) without a crash\n", replayed);
  return 0;
}
#endif
