#pragma once
// Golden trajectories of optimizers outside torch.optim, each made by its
// authors' code (tests/golden/reference/, format 1 of its README): the
// options, the start, and every parameter after every step.
#include <ATen/ATen.h>

#include <map>
#include <string>
#include <vector>

namespace gradus {
namespace testing {

struct ReferenceGolden {
  std::string name;       // the file's stem, e.g. lion_1
  std::string optimizer;  // the reference class, e.g. Lion
  int64_t steps = 0;
  std::map<std::string, std::string> ctor;                 // constructor options, as written
  std::vector<std::map<std::string, std::string>> groups;  // each group's options, as written
  std::vector<int64_t> group_of;                           // per param
  std::vector<at::Tensor> targets;                         // per param, double
  std::vector<std::vector<at::Tensor>> trajectory;         // [step][param]; step 0 is the start
  std::vector<at::Tensor> final_eval, final_z;             // Schedule-Free only

  // The gradient rule of every file: g = 2*(p - target) + 0.1*sin(3*p).
  std::vector<at::Tensor> gradients(const std::vector<at::Tensor>& params) const;
};

// Reads one file; throws std::runtime_error naming the file and the line.
ReferenceGolden read_reference_golden(const std::string& path);
// Every file of tests/golden/reference/, sorted by name.
std::vector<std::string> reference_golden_files();

// A value of an options line: a number, a tuple "0.9,0.999", True/False, None.
double number_of(const std::map<std::string, std::string>& options, const std::string& key);
std::vector<double> numbers_of(const std::map<std::string, std::string>& options, const std::string& key);
bool flag_of(const std::map<std::string, std::string>& options, const std::string& key);

}  // namespace testing
}  // namespace gradus
