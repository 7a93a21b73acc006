#include "overlay/client_bootstrap.hpp"

#include <boost/algorithm/string/trim.hpp>
#include <fstream>

#include "net/tls_client.hpp"

namespace parley::overlay {

std::vector<std::string> read_bootstrap_list(const std::filesystem::path& file) {
  std::vector<std::string> out;
  std::ifstream in(file);
  std::string line;
  // Bounded twice: entries kept, and lines read (a huge file of comments).
  std::size_t lines = 0;
  while (out.size() < kMaxBootstrapEntries && ++lines <= 10 * kMaxBootstrapEntries &&
         std::getline(in, line)) {
    boost::trim(line);
    if (line.empty() || line[0] == '#') continue;
    if (net::parse_host_port(line)) out.push_back(line);
  }
  return out;
}

}  // namespace parley::overlay
