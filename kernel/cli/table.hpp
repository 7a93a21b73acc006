// Plain-text tables for terminal output: a header row, aligned columns.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace parley::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  // The header line, then one per row; columns two spaces apart, no trailing blanks.
  [[nodiscard]] std::vector<std::string> lines() const;
  void print(std::ostream& out, std::string_view indent = {}) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// value with a fixed number of decimals ("12.35"), for table cells and lines.
std::string fixed(double value, int decimals);

}  // namespace parley::cli
