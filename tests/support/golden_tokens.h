#pragma once
// The tokens of the golden text formats of tests/golden/reference and
// tests/golden/amp: whitespace-separated words, name=value options, numbers
// (inf, -inf and nan included, as strtod reads them).
#include <cstdint>
#include <cstdlib>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace gradus {
namespace testing {

inline std::vector<std::string> tokens_of(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string t; in >> t;) out.push_back(t);
  return out;
}

// Throws on anything but a whole number.
inline double parse_number(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0') throw std::runtime_error("not a number: '" + text + "'");
  return v;
}

// The name=value tokens after `skip` others; "-" (no options) is skipped.
inline std::map<std::string, std::string> options_of(const std::vector<std::string>& t, size_t skip) {
  std::map<std::string, std::string> out;
  for (size_t i = skip; i < t.size(); ++i) {
    if (t[i] == "-") continue;
    const size_t eq = t[i].find('=');
    if (eq == std::string::npos) throw std::runtime_error("expected name=value, got '" + t[i] + "'");
    out[t[i].substr(0, eq)] = t[i].substr(eq + 1);
  }
  return out;
}

// "shape=5,3": whole, non-negative extents only.
inline std::vector<int64_t> shape_of(const std::string& token) {
  std::vector<int64_t> shape;
  std::istringstream in(token.substr(token.find('=') + 1));
  for (std::string d; std::getline(in, d, ',');) {
    const double v = parse_number(d);
    if (v < 0 || v != static_cast<double>(static_cast<int64_t>(v))) throw std::runtime_error("bad extent: '" + d + "'");
    shape.push_back(static_cast<int64_t>(v));
  }
  return shape;
}

}  // namespace testing
}  // namespace gradus
