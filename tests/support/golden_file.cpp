#include "support/golden_file.h"

#include <c10/util/Exception.h>

#include <fstream>
#include <sstream>

namespace gradus {
namespace testing {
namespace {

std::map<std::string, double> parse_options(std::istringstream& line) {
  std::map<std::string, double> options;
  std::string item;
  while (line >> item) {
    const auto eq = item.find('=');
    TORCH_CHECK(eq != std::string::npos, "golden option without '=': ", item);
    options[item.substr(0, eq)] = std::stod(item.substr(eq + 1));
  }
  return options;
}

}  // namespace

std::vector<GoldenCase> read_golden(const std::string& path) {
  std::ifstream in(path);
  TORCH_CHECK(in, "cannot open golden file ", path);
  std::vector<GoldenCase> cases;
  std::string text;
  int64_t line_no = 0;
  while (std::getline(in, text)) {
    ++line_no;
    if (text.empty() || text[0] == '#') continue;
    std::istringstream line(text);
    std::string word;
    line >> word;
    TORCH_CHECK(word == "case", path, ":", line_no, ": expected 'case', got '", word, "'");
    GoldenCase c;
    int64_t groups = 0, steps = 0, width = 0;
    line >> c.name >> c.kind >> groups >> steps >> width;
    for (int64_t g = 0; g < groups; ++g) {
      TORCH_CHECK(std::getline(in, text), path, ": truncated in case ", c.name);
      ++line_no;
      std::istringstream group_line(text);
      group_line >> word;
      TORCH_CHECK(word == "group", path, ":", line_no, ": expected 'group'");
      c.groups.push_back(parse_options(group_line));
    }
    std::vector<double> values;
    values.reserve(steps * width);
    for (int64_t s = 0; s < steps; ++s) {
      TORCH_CHECK(std::getline(in, text), path, ": truncated in case ", c.name);
      ++line_no;
      std::istringstream row(text);
      for (int64_t k = 0; k < width; ++k) {
        double v = 0;
        TORCH_CHECK(static_cast<bool>(row >> v), path, ":", line_no, ": expected ", width, " values");
        values.push_back(v);
      }
    }
    c.rows = at::tensor(values, at::kDouble).reshape({steps, width});
    cases.push_back(std::move(c));
  }
  return cases;
}

double option_or(const std::map<std::string, double>& group, const std::string& key, double fallback) {
  auto it = group.find(key);
  return it == group.end() ? fallback : it->second;
}

}  // namespace testing
}  // namespace gradus
