// A torch::optim state file resumes in the gradus twin, and a gradus
// optimizer's state saved with save_as_torch_optim resumes in the built-in:
// the steps after the file are those of the run that wrote it, bit for bit.
#include <gradus/optim/optimizers.h>
#include <gradus/optim/torch_optim_format.h>
#include <gtest/gtest.h>
#include <torch/optim/adagrad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>
#include <torch/serialize.h>

#include <functional>
#include <memory>
#include <sstream>

#include "support/expect_error.h"
#include "support/problem.h"
#include "support/trajectory.h"

namespace gradus {
namespace testing {
namespace {

using Make = std::function<std::unique_ptr<torch::optim::Optimizer>(std::vector<at::Tensor>)>;

struct Twins {
  const char* name;
  Make builtin, gradus;
};

template <class Builtin, class BuiltinOptions, class Gradus, class GradusOptions>
Twins twins(const char* name, std::function<BuiltinOptions()> builtin_options,
            std::function<GradusOptions()> gradus_options) {
  return {name,
          [=](std::vector<at::Tensor> p) { return std::make_unique<Builtin>(std::move(p), builtin_options()); },
          [=](std::vector<at::Tensor> p) { return std::make_unique<Gradus>(std::move(p), gradus_options()); }};
}

std::vector<Twins> all_twins() {
  namespace t = torch::optim;
  return {
      twins<t::SGD, t::SGDOptions, optim::SGD, optim::SGDOptions>(
          "sgd_nesterov", [] { return t::SGDOptions(0.05).momentum(0.9).nesterov(true).weight_decay(0.01); },
          [] { return optim::SGDOptions(0.05).momentum(0.9).nesterov(true).weight_decay(0.01); }),
      twins<t::Adam, t::AdamOptions, optim::Adam, optim::AdamOptions>(
          "adam_amsgrad", [] { return t::AdamOptions(0.01).amsgrad(true).weight_decay(0.1); },
          [] { return optim::AdamOptions(0.01).amsgrad(true).weight_decay(0.1); }),
      twins<t::AdamW, t::AdamWOptions, optim::AdamW, optim::AdamWOptions>(
          "adamw", [] { return t::AdamWOptions(0.01).betas({0.8, 0.99}); },
          [] { return optim::AdamWOptions(0.01).betas({0.8, 0.99}); }),
      twins<t::Adagrad, t::AdagradOptions, optim::Adagrad, optim::AdagradOptions>(
          "adagrad", [] { return t::AdagradOptions(0.1).lr_decay(0.01).initial_accumulator_value(0.1); },
          [] { return optim::AdagradOptions(0.1).lr_decay(0.01).initial_accumulator_value(0.1); }),
      twins<t::RMSprop, t::RMSpropOptions, optim::RMSprop, optim::RMSpropOptions>(
          "rmsprop_centered", [] { return t::RMSpropOptions(0.01).momentum(0.5).centered(true); },
          [] { return optim::RMSpropOptions(0.01).momentum(0.5).centered(true); }),
  };
}

class TorchOptimFormat : public ::testing::TestWithParam<Twins> {
 protected:
  const Problem problem;
  static constexpr int64_t kBefore = 7, kAfter = 9;
};

std::string saved(const torch::optim::Optimizer& optimizer) {
  std::ostringstream out;
  torch::save(optimizer, out);
  return out.str();
}

void load(torch::optim::Optimizer& optimizer, const std::string& bytes) {
  std::istringstream in(bytes);
  torch::load(optimizer, in);
}

// The built-in writes the file; the gradus twin resumes from it.
TEST_P(TorchOptimFormat, GradusResumesTheBuiltinsFile) {
  auto params = problem.initial_params();
  auto builtin = GetParam().builtin(params);
  run_trajectory(*builtin, params, problem, kBefore);
  const std::string file = saved(*builtin);
  auto resumed_params = clone_params(params), fresh_params = clone_params(params);
  auto gradus = GetParam().gradus(resumed_params), fresh = GetParam().gradus(fresh_params);
  load(*gradus, file);
  const at::Tensor expected = run_trajectory(*builtin, params, problem, kAfter, kBefore);
  const at::Tensor got = run_trajectory(*gradus, resumed_params, problem, kAfter, kBefore);
  EXPECT_TRUE(got.equal(expected)) << "largest difference " << (got - expected).abs().max().item<double>();
  // Without the file's state the same steps go elsewhere: the file mattered.
  EXPECT_FALSE(run_trajectory(*fresh, fresh_params, problem, kAfter, kBefore).equal(expected));
}

// gradus writes the file in torch::optim's layout; the built-in resumes.
TEST_P(TorchOptimFormat, TheBuiltinResumesGradussExport) {
  auto params = problem.initial_params();
  auto gradus = GetParam().gradus(params);
  run_trajectory(*gradus, params, problem, kBefore);
  torch::serialize::OutputArchive archive;
  optim::save_as_torch_optim(dynamic_cast<optim::FusedOptimizer&>(*gradus), archive);
  std::ostringstream out;
  archive.save_to(out);
  auto resumed_params = clone_params(params);
  auto builtin = GetParam().builtin(resumed_params);
  load(*builtin, out.str());
  const at::Tensor expected = run_trajectory(*gradus, params, problem, kAfter, kBefore);
  const at::Tensor got = run_trajectory(*builtin, resumed_params, problem, kAfter, kBefore);
  EXPECT_TRUE(got.equal(expected)) << "largest difference " << (got - expected).abs().max().item<double>();
  // And back: the exported file resumes in gradus too.
  auto again_params = clone_params(resumed_params);
  auto again = GetParam().gradus(again_params);
  load(*again, saved(*builtin));
  EXPECT_TRUE(run_trajectory(*again, again_params, problem, 3, kBefore + kAfter)
                  .equal(run_trajectory(*builtin, resumed_params, problem, 3, kBefore + kAfter)));
}

INSTANTIATE_TEST_SUITE_P(Twins, TorchOptimFormat, ::testing::ValuesIn(all_twins()),
                         [](const auto& info) { return std::string(info.param.name); });

// A file of another optimizer, or for one LibTorch lacks, is refused and
// changes nothing.
TEST(TorchOptimFormatRefusals, AnotherOptimizersFileIsRefused) {
  const Problem problem;
  auto params = problem.initial_params();
  torch::optim::SGD sgd(params, torch::optim::SGDOptions(0.1).momentum(0.9));
  run_trajectory(sgd, params, problem, 2);
  auto mine = clone_params(params);
  optim::Adam adam(mine, optim::AdamOptions(0.01));
  run_trajectory(adam, mine, problem, 2);
  const std::string before = saved(adam);
  expect_error([&] { load(adam, saved(sgd)); }, {"gradus::optim::Adam", "has 'momentum'", "another optimizer"});
  EXPECT_EQ(saved(adam), before);
  optim::Lion lion(mine, optim::LionOptions(1e-4));
  expect_error([&] { load(lion, saved(sgd)); }, {"gradus::optim::Lion", "torch::optim state file", "no twin"});
  expect_error([&] { optim::save_as_torch_optim(lion, std::string("/dev/null")); },
               {"gradus::optim::Lion", "LibTorch has no twin"});
}

TEST(TorchOptimFormatRefusals, StateOfAnotherShapeIsRefused) {
  const Problem problem;
  auto params = problem.initial_params();
  torch::optim::Adam builtin(params, torch::optim::AdamOptions(0.01));
  run_trajectory(builtin, params, problem, 2);
  std::vector<at::Tensor> reshaped;
  for (const auto& p : params) reshaped.push_back(at::zeros({p.numel() + 1}, at::kDouble).requires_grad_());
  optim::Adam adam(reshaped, optim::AdamOptions(0.01));
  expect_error([&] { load(adam, saved(builtin)); }, {"gradus::optim::Adam", "state of param 0 of param group 0",
                                                     "does not fit", "exp_avg has size"});
  EXPECT_EQ(adam.state_of(reshaped[0]), nullptr);
}

}  // namespace
}  // namespace testing
}  // namespace gradus
