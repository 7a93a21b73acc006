// Plain-text tables for terminal output: a header row, aligned columns.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace parley::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// value with a fixed number of decimals ("12.35"), for table cells and lines.
std::string fixed(double value, int decimals);

}  // namespace parley::cli
