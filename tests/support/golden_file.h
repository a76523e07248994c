#pragma once
// Reader of tests/golden/*.txt written by the scripts/generate_*_golden.py scripts.
#include <ATen/ATen.h>

#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace gradus {
namespace testing {

struct GoldenCase {
  std::string name;
  std::string kind;  // e.g. the optimizer
  std::vector<std::map<std::string, double>> groups;
  at::Tensor rows;  // [steps, values], double
};
// How GoogleTest names a case in its messages (not its bytes).
inline void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.name; }

// Throws with the file and line on a malformed file.
std::vector<GoldenCase> read_golden(const std::string& path);

// The option `key` of a group, or `fallback` when the case does not set it.
double option_or(const std::map<std::string, double>& group, const std::string& key, double fallback);

}  // namespace testing
}  // namespace gradus
