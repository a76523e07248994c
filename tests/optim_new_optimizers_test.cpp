// What the optimizers from outside torch.optim refuse, and Schedule-Free's
// modes: step() in eval mode refused, the mode saved, and a resumed run
// bit-identical to an unbroken one in either mode.
#include <gradus/gradus.h>
#include <gtest/gtest.h>
#include <torch/serialize.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "support/expect_error.h"
#include "support/optimizer_zoo.h"
#include "support/problem.h"
#include "support/saved_bytes.h"
#include "support/trajectory.h"

namespace gradus {
namespace testing {
namespace {

std::vector<at::Tensor> some_params() { return {at::ones({4}, at::kDouble).set_requires_grad(true)}; }

TEST(NewOptimizers, BadOptionsAreNamed) {
  auto p = some_params();
  const double nan = std::nan(""), inf = std::numeric_limits<double>::infinity();
  expect_error([&] { optim::Lion(p, optim::LionOptions(-1e-4)); }, {"Lion", "invalid learning rate: -0.0001"});
  expect_error([&] { optim::Lion(p, optim::LionOptions().betas({0.9, 1.0})); }, {"beta parameter at index 1: 1"});
  expect_error([&] { optim::Lion(p, optim::LionOptions().weight_decay(nan)); }, {"weight_decay value: nan"});
  expect_error([&] { optim::ADOPT(p, optim::ADOPTOptions().eps(-1e-6)); }, {"ADOPT", "epsilon value: -1e-06"});
  expect_error([&] { optim::ADOPT(p, optim::ADOPTOptions().betas({-0.1, 0.9})); },
               {"beta parameter at index 0: -0.1"});
  expect_error([&] { optim::AdEMAMix(p, optim::AdEMAMixOptions().betas({0.9, 0.999, 1.5})); },
               {"AdEMAMix", "beta parameter at index 2: 1.5"});
  expect_error([&] { optim::AdEMAMix(p, optim::AdEMAMixOptions().alpha_warmup(-5)); }, {"alpha_warmup value: -5"});
  expect_error([&] { optim::AdEMAMix(p, optim::AdEMAMixOptions().alpha(inf)); }, {"alpha value: inf"});
  expect_error([&] { optim::LAMB(p, optim::LAMBOptions().weight_decay(-0.01)); }, {"LAMB", "weight_decay value: -0.01"});
  expect_error([&] { optim::LARS(p, optim::LARSOptions().trust_coefficient(-0.02)); },
               {"LARS", "trust_coefficient value: -0.02"});
  expect_error([&] { optim::LARS(p, optim::LARSOptions().nesterov(true)); }, {"Nesterov", "momentum: 0"});
  expect_error([&] { optim::SGDScheduleFree(p, optim::SGDScheduleFreeOptions().momentum(1.0)); },
               {"SGDScheduleFree", "momentum value: 1"});
  expect_error([&] { optim::AdamWScheduleFree(p, optim::AdamWScheduleFreeOptions().warmup_steps(-10)); },
               {"AdamWScheduleFree", "warmup_steps value: -10"});
  expect_error([&] { optim::RAdamScheduleFree(p, optim::RAdamScheduleFreeOptions(nan)); },
               {"RAdamScheduleFree", "learning rate: nan"});
}

// A bad option set later is refused at the next step, and nothing moves.
TEST(NewOptimizers, ABadOptionLaterMovesNothing) {
  const Problem problem;
  auto params = problem.initial_params();
  optim::AdEMAMix ademamix(params, optim::AdEMAMixOptions(0.01).alpha_warmup(10));
  run_trajectory(ademamix, params, problem, 3);
  const std::string before = saved_bytes(ademamix);
  const at::Tensor values = flatten(params);
  static_cast<optim::AdEMAMixOptions&>(ademamix.param_groups()[0].options()).betas({0.9, 0.999, -0.5});
  problem.set_grads(params, 3);
  expect_error([&] { ademamix.step(); }, {"beta parameter at index 2: -0.5"});
  EXPECT_TRUE(at::equal(flatten(params), values));
  static_cast<optim::AdEMAMixOptions&>(ademamix.param_groups()[0].options()).betas({0.9, 0.999, 0.9999});
  EXPECT_EQ(saved_bytes(ademamix), before);
}

TEST(NewOptimizers, AnotherOptimizersFileIsRefused) {
  const Problem problem;
  auto params = problem.initial_params();
  optim::Lion lion(params, optim::LionOptions(1e-3));
  run_trajectory(lion, params, problem, 2);
  std::ostringstream file;
  torch::save(lion, file);
  optim::ADOPT adopt(params);
  const std::string before = saved_bytes(adopt);
  std::istringstream in(file.str());
  expect_error([&] { torch::load(adopt, in); }, {"written by gradus::optim::Lion", "not by gradus::optim::ADOPT"});
  EXPECT_EQ(saved_bytes(adopt), before);
}

TEST(ScheduleFree, StepInEvalModeIsRefusedAndMovesNothing) {
  const Problem problem;
  auto params = problem.initial_params();
  optim::AdamWScheduleFree sf(params, optim::AdamWScheduleFreeOptions(0.01));
  problem.set_grads(params, 0);
  expect_error([&] { sf.step(); }, {"AdamWScheduleFree", "step() in eval mode", "call train()"});
  EXPECT_TRUE(sf.state().empty());
  sf.train();
  run_trajectory(sf, params, problem, 3);
  sf.eval();
  const at::Tensor x = flatten(params);
  problem.set_grads(params, 3);
  expect_error([&] { sf.step(); }, {"step() in eval mode"});
  EXPECT_TRUE(at::equal(flatten(params), x));
}

// eval() moves the params to x and train() back, each once: a second call
// of the same mode does nothing.
TEST(ScheduleFree, ModesMoveTheParamsOnce) {
  const Problem problem;
  auto params = problem.initial_params();
  optim::SGDScheduleFree sf(params, optim::SGDScheduleFreeOptions(0.1));
  sf.train();
  run_trajectory(sf, params, problem, 5);
  const at::Tensor y = flatten(params);
  sf.eval();
  const at::Tensor x = flatten(params);
  EXPECT_FALSE(at::equal(x, y));
  sf.eval();
  EXPECT_TRUE(at::equal(flatten(params), x));
  sf.train();
  EXPECT_LE(max_relative_diff(flatten(params).unsqueeze(0), y.unsqueeze(0)), 1e-14);
  EXPECT_TRUE(static_cast<const optim::SGDScheduleFreeOptions&>(sf.param_groups()[0].options()).train_mode());
}

// The mode is the group's and is saved: a run resumed from a file saved in
// either mode takes the unbroken run's steps, bit for bit.
TEST(ScheduleFree, ResumesBitIdenticalInEitherMode) {
  const Problem problem;
  for (bool saved_in_eval : {false, true}) {
    SCOPED_TRACE(saved_in_eval ? "saved in eval mode" : "saved in train mode");
    auto straight_params = problem.initial_params();
    optim::RAdamScheduleFree straight(straight_params, optim::RAdamScheduleFreeOptions(0.01).weight_decay(0.01));
    straight.train();
    run_trajectory(straight, straight_params, problem, 10);
    if (saved_in_eval) straight.eval();
    straight.train();
    const at::Tensor expected = run_trajectory(straight, straight_params, problem, 10, 10);

    auto params = problem.initial_params();
    optim::RAdamScheduleFree before(params, optim::RAdamScheduleFreeOptions(0.01).weight_decay(0.01));
    before.train();
    run_trajectory(before, params, problem, 10);
    if (saved_in_eval) before.eval();
    std::ostringstream file;
    torch::save(before, file);
    auto resumed_params = clone_params(params);
    optim::RAdamScheduleFree after(resumed_params, optim::RAdamScheduleFreeOptions(0.01).weight_decay(0.01));
    std::istringstream in(file.str());
    torch::load(after, in);
    EXPECT_EQ(static_cast<const optim::RAdamScheduleFreeOptions&>(after.param_groups()[0].options()).train_mode(),
              !saved_in_eval);
    EXPECT_EQ(static_cast<const optim::RAdamScheduleFreeOptions&>(after.param_groups()[0].options()).k(), 10);
    after.train();
    EXPECT_TRUE(at::equal(run_trajectory(after, resumed_params, problem, 10, 10), expected));
  }
}

}  // namespace
}  // namespace testing
}  // namespace gradus
