#pragma once
// Golden runs of PyTorch 2.14's GradScaler and clip_grad_norm_
// (tests/golden/amp/, format amp-1 of its README): the options, the
// gradients of every step, and what the scaler, the clipping and the
// optimizer made of them.
#include <ATen/ATen.h>

#include <map>
#include <string>
#include <vector>

namespace gradus {
namespace testing {

struct AmpRun {
  std::string file, name, optimizer;  // optimizer: SGD or Adam
  std::vector<std::map<std::string, std::string>> groups;  // with "params": "0,1"
  std::map<std::string, std::string> scaler, clip;         // empty: none
  std::string loop;
  int64_t steps = 0;
  std::vector<at::Tensor> start;  // float32, one per param
  // Per step s (1-based), the lines of that step by key: e.g. at(s)["gs17"][i]
  // is param i's scaled gradient, at(s)["scale"][0] the scale.
  std::vector<std::map<std::string, std::vector<std::vector<std::string>>>> at;

  // The float32 tensor of param i in line `key` (e.g. gs17) of step s.
  at::Tensor tensor(int64_t s, const std::string& key, size_t i) const;
  // The float32 value of scalar line `key` of step s (its %.17g form).
  double scalar(int64_t s, const std::string& key) const;
  bool has(int64_t s, const std::string& key) const;
};

// Every run of every file of tests/golden/amp/; throws naming the file and line.
std::vector<AmpRun> read_amp_goldens();

}  // namespace testing
}  // namespace gradus
