#include "support/amp_golden.h"

#include "support/golden_tokens.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace gradus {
namespace testing {
bool AmpRun::has(int64_t s, const std::string& key) const { return at.at(s).count(key) > 0; }

at::Tensor AmpRun::tensor(int64_t s, const std::string& key, size_t i) const {
  const auto& line = at.at(s).at(key).at(i);
  std::vector<float> values;
  for (size_t k = 2; k < line.size(); ++k) values.push_back(static_cast<float>(parse_number(line[k])));  // "key s i v..."
  return at::tensor(values, at::kFloat).reshape(start.at(i).sizes());
}

double AmpRun::scalar(int64_t s, const std::string& key) const {
  const auto& line = at.at(s).at(key).at(0);
  return static_cast<float>(parse_number(line.back()));
}

std::vector<AmpRun> read_amp_goldens() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(GRADUS_GOLDEN_DIR "/amp")) {
    if (e.path().extension() == ".txt") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  std::vector<AmpRun> runs;
  for (const std::string& path : files) {
    std::ifstream in(path);
    std::vector<std::vector<int64_t>> shapes;
    AmpRun* run = nullptr;
    int64_t step = 0, number = 0;
    std::string line;
    try {
      while (std::getline(in, line)) {
        ++number;
        if (line.empty() || line[0] == '#') continue;
        const auto t = tokens_of(line);
        const std::string& key = t[0];
        if (key == "param") shapes.push_back(shape_of(t.at(3)));
        else if (key == "run") {
          runs.emplace_back();
          run = &runs.back();
          run->file = std::filesystem::path(path).stem().string();
          run->name = t.at(1);
          step = 0;
        } else if (!run) continue;
        else if (key == "optimizer") run->optimizer = t.at(1);
        else if (key == "group") run->groups.push_back(options_of(t, 2));
        else if (key == "scaler" && t.at(1) != "none") run->scaler = options_of(t, 1);
        else if (key == "clip" && t.at(1) != "none") run->clip = options_of(t, 1);
        else if (key == "loop") run->loop = line;
        else if (key == "steps") {
          run->steps = std::stoll(t.at(1));
          run->at.resize(run->steps + 1);
        } else if (key == "p17" && t.at(1) == "0") {
          std::vector<float> values;
          for (size_t k = 3; k < t.size(); ++k) values.push_back(static_cast<float>(parse_number(t[k])));
          run->start.push_back(at::tensor(values, at::kFloat).reshape(shapes.at(run->start.size())));
        } else if (key == "step") {
          step = std::stoll(t.at(1));
        } else if (step > 0 && key != "end_run") {
          // "gs17 s i v..." keeps "s i v..."; "total_norm s v9 v17" keeps "s v9 v17".
          run->at.at(step)[key].emplace_back(t.begin() + 1, t.end());
        }
      }
    } catch (const std::exception& e) {
      throw std::runtime_error(path + ":" + std::to_string(number) + ": " + e.what());
    }
  }
  return runs;
}

}  // namespace testing
}  // namespace gradus
