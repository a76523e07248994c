#include "support/reference_golden.h"

#include "support/golden_tokens.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace gradus {
namespace testing {
namespace {

at::Tensor values_of(const std::vector<std::string>& t, size_t skip, const std::vector<int64_t>& shape) {
  std::vector<double> v;
  for (size_t i = skip; i < t.size(); ++i) v.push_back(parse_number(t[i]));
  at::Tensor out = at::tensor(v, at::kDouble);
  if (out.numel() != c10::multiply_integers(shape)) throw std::runtime_error("wrong number of values");
  return out.reshape(shape);
}

}  // namespace

std::vector<at::Tensor> ReferenceGolden::gradients(const std::vector<at::Tensor>& params) const {
  std::vector<at::Tensor> grads;
  for (size_t i = 0; i < params.size(); ++i) {
    const at::Tensor p = params[i].detach();
    grads.push_back((p - targets[i]).mul(2).add(p.mul(3).sin().mul(0.1)));
  }
  return grads;
}

ReferenceGolden read_reference_golden(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  ReferenceGolden g;
  g.name = std::filesystem::path(path).stem().string();
  std::vector<std::vector<int64_t>> shapes;
  std::string line;
  int number = 0;
  bool ended = false;
  try {
    while (std::getline(in, line)) {
      ++number;
      if (line.empty() || line[0] == '#') continue;
      const auto t = tokens_of(line);
      const std::string& key = t[0];
      if (key == "optimizer") g.optimizer = t.at(1);
      else if (key == "steps") g.steps = static_cast<int64_t>(parse_number(t.at(1)));
      else if (key == "ctor") g.ctor = options_of(t, 1);
      else if (key == "group") g.groups.push_back(options_of(t, 2));
      else if (key == "param") {
        g.group_of.push_back(static_cast<int64_t>(parse_number(t.at(2).substr(6))));  // group=G
        shapes.push_back(shape_of(t.at(3)));
      } else if (key == "target") {
        g.targets.push_back(values_of(t, 2, shapes.at(std::stoul(t.at(1)))));
      } else if (key == "step") {
        const size_t s = std::stoul(t.at(1)), i = std::stoul(t.at(2));
        if (g.trajectory.size() <= s) g.trajectory.resize(s + 1);
        if (g.trajectory[s].size() != i) throw std::runtime_error("params out of order");
        g.trajectory[s].push_back(values_of(t, 3, shapes.at(i)));
      } else if (key == "final_eval") {
        g.final_eval.push_back(values_of(t, 2, shapes.at(std::stoul(t.at(1)))));
      } else if (key == "final_z") {
        g.final_z.push_back(values_of(t, 2, shapes.at(std::stoul(t.at(1)))));
      } else if (key == "end") {
        ended = true;
      }
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ":" + std::to_string(number) + ": " + e.what());
  }
  if (!ended || g.trajectory.size() != static_cast<size_t>(g.steps + 1) || g.targets.size() != shapes.size()) {
    throw std::runtime_error(path + ": truncated (no 'end', or steps or targets missing)");
  }
  return g;
}

std::vector<std::string> reference_golden_files() {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(GRADUS_GOLDEN_DIR "/reference")) {
    if (entry.path().extension() == ".txt") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

double number_of(const std::map<std::string, std::string>& options, const std::string& key) {
  return parse_number(options.at(key));
}

std::vector<double> numbers_of(const std::map<std::string, std::string>& options, const std::string& key) {
  std::vector<double> out;
  std::istringstream in(options.at(key));
  for (std::string v; std::getline(in, v, ',');) out.push_back(parse_number(v));
  return out;
}

bool flag_of(const std::map<std::string, std::string>& options, const std::string& key) {
  const std::string& v = options.at(key);
  if (v != "True" && v != "False") throw std::runtime_error(key + " is neither True nor False: " + v);
  return v == "True";
}

}  // namespace testing
}  // namespace gradus
