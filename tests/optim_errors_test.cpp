// Bad input gives an error that names the bad value.
#include <gradus/gradus.h>
#include <gtest/gtest.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

#include <functional>

#include "support/trajectory.h"
#include "support/expect_error.h"
#include "support/optimizer_zoo.h"
#include "tensor_list_checks.h"

namespace gradus {
namespace testing {
namespace {


std::vector<at::Tensor> some_params() { return {at::ones({4}, at::kDouble).set_requires_grad(true)}; }

TEST(BadOptions, NamedInTheError) {
  auto p = some_params();
  expect_error([&] { optim::Adam(p, optim::AdamOptions(-0.5)); }, {"Adam", "learning rate", "-0.5"});
  expect_error([&] { optim::Adam(p, optim::AdamOptions(0.1).eps(-1e-3)); }, {"epsilon", "-0.001"});
  expect_error([&] { optim::Adam(p, optim::AdamOptions(0.1).betas({1.0, 0.9})); },
               {"beta parameter at index 0: 1"});
  expect_error([&] { optim::AdamW(p, optim::AdamWOptions(0.1).betas({0.9, -0.1})); },
               {"AdamW", "beta parameter at index 1: -0.1"});
  expect_error([&] { optim::AdamW(p, optim::AdamWOptions(0.1).weight_decay(-2)); }, {"weight_decay", "-2"});
  expect_error([&] { optim::SGD(p, optim::SGDOptions(-1)); }, {"SGD", "learning rate: -1"});
  expect_error([&] { optim::SGD(p, optim::SGDOptions(0.1).nesterov(true)); },
               {"Nesterov", "momentum: 0"});
  expect_error([&] { optim::SGD(p, optim::SGDOptions(0.1).momentum(0.9).dampening(0.1).nesterov(true)); },
               {"Nesterov", "dampening: 0.1"});
  expect_error([&] { optim::SGD(p, optim::SGDOptions(0.1).momentum(-0.9)); }, {"momentum value: -0.9"});
  expect_error([&] { optim::Adagrad(p, optim::AdagradOptions(0.1).lr_decay(-1)); }, {"lr_decay", "-1"});
  expect_error([&] { optim::Adagrad(p, optim::AdagradOptions(0.1).initial_accumulator_value(-3)); },
               {"initial_accumulator_value", "-3"});
  expect_error([&] { optim::RMSprop(p, optim::RMSpropOptions(0.1).alpha(-0.5)); }, {"alpha", "-0.5"});
  expect_error([&] { optim::RMSprop(p, optim::RMSpropOptions(0.1).momentum(-1)); }, {"momentum", "-1"});
  expect_error([&] { optim::Adadelta(p, optim::AdadeltaOptions(1.0).rho(1.5)); }, {"rho", "1.5"});
  expect_error([&] { optim::Adadelta(p, optim::AdadeltaOptions(std::nan(""))); }, {"learning rate", "nan"});
}

TEST(BadOptions, GroupOptionsAndLaterChangesAreCheckedToo) {
  auto p = some_params();
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(p, std::make_unique<optim::AdamOptions>(optim::AdamOptions(-3)));
  expect_error([&] { optim::Adam(std::move(groups), optim::AdamOptions(0.1)); }, {"learning rate: -3"});

  optim::Adam adam(p, optim::AdamOptions(0.1));
  adam.param_groups()[0].options().set_lr(-0.25);  // e.g. a broken schedule
  p[0].mutable_grad() = at::ones({4}, at::kDouble);
  expect_error([&] { adam.step(); }, {"learning rate: -0.25"});
}

TEST(BadOptions, GroupOptionsOfAnotherOptimizerTypeAreRefusedNamingBothTypes) {
  auto p = some_params();
  std::vector<torch::optim::OptimizerParamGroup> adam_groups;
  adam_groups.emplace_back(p, std::make_unique<torch::optim::AdamOptions>(0.1));
  expect_error([&] { optim::Adam(std::move(adam_groups), optim::AdamOptions(0.1)); },
               {"param group 0", "torch::optim::AdamOptions", "gradus::optim::AdamOptions"});
  std::vector<torch::optim::OptimizerParamGroup> sgd_groups;
  sgd_groups.emplace_back(p, std::make_unique<optim::AdamOptions>(0.1));
  expect_error([&] { optim::SGD(std::move(sgd_groups), optim::SGDOptions(0.1)); },
               {"gradus::optim::AdamOptions", "gradus::optim::SGDOptions"});
  optim::SGD sgd(p, optim::SGDOptions(0.1));
  at::Tensor other = at::ones({2}, at::kDouble).set_requires_grad(true);
  expect_error([&] {
    sgd.add_param_group(torch::optim::OptimizerParamGroup({other}, std::make_unique<torch::optim::SGDOptions>(0.1)));
  }, {"param group 1", "torch::optim::SGDOptions"});
  EXPECT_EQ(sgd.param_groups().size(), 1u) << "a refused group is not half added";
}

TEST(BadParams, DuplicateAndNonLeafParamsAreRefused) {
  auto p = some_params();
  optim::Adam adam(p, optim::AdamOptions(0.1));
  expect_error([&] { adam.add_param_group(torch::optim::OptimizerParamGroup({p[0]})); },
               {"more than one parameter group", "param group 1"});
  at::Tensor non_leaf = p[0] * 2;
  expect_error([&] { adam.add_param_group(torch::optim::OptimizerParamGroup({non_leaf})); }, {"non-leaf"});
  EXPECT_EQ(adam.param_groups().size(), 1u);
}

// step() checks every group before it updates any (issue: a bad second group
// threw after the first had moved).
TEST(AllOrNothing, ABadSecondGroupLeavesTheFirstUntouched) {
  for (const auto& f : all_optimizers()) {
    for (const char* bad : {"lr", "sparse", "shape"}) {
      SCOPED_TRACE(f.name + " " + bad);
      at::Tensor a = at::ones({3}, at::kDouble).set_requires_grad(true);
      at::Tensor b = at::ones({2}, at::kDouble).set_requires_grad(true);
      GroupList groups;
      groups.emplace_back(std::vector<at::Tensor>{a});
      groups.emplace_back(std::vector<at::Tensor>{b});
      auto optimizer = f.make(std::move(groups));
      a.mutable_grad() = at::full({3}, 0.5, at::kDouble);
      b.mutable_grad() = at::full({2}, 0.5, at::kDouble);
      if (std::string(bad) == "lr") optimizer->param_groups()[1].options().set_lr(-1);
      if (std::string(bad) == "sparse") b.mutable_grad() = b.grad().to_sparse();
      if (std::string(bad) == "shape") b.mutable_grad() = at::ones({3}, at::kDouble);
      const size_t states_before = optimizer->state().size();
      EXPECT_THROW(optimizer->step(), c10::Error);
      EXPECT_TRUE(at::equal(a, at::ones({3}, at::kDouble))) << "the first group moved";
      EXPECT_EQ(optimizer->state().size(), states_before) << "state was created for a step that failed";
    }
  }
}

TEST(AllOrNothing, ASelfOverlappingParamIsRefusedBeforeAnyStateMoves) {
  for (const auto& f : all_optimizers()) {
    SCOPED_TRACE(f.name);
    at::Tensor expanded = at::ones({1}, at::kDouble).expand({4});
    expanded.set_requires_grad(true);
    GroupList groups;
    groups.emplace_back(std::vector<at::Tensor>{expanded});
    auto optimizer = f.make(std::move(groups));
    expanded.mutable_grad() = at::ones({4}, at::kDouble);
    const size_t states_before = optimizer->state().size();
    expect_error([&] { optimizer->step(); }, {"param 0 of param group 0", "share memory"});
    EXPECT_EQ(optimizer->state().size(), states_before);
    EXPECT_EQ(expanded[0].item<double>(), 1.0);
  }
}

TEST(BadGradients, SparseGradientIsRefused) {
  for (bool use_adam : {true, false}) {
    at::Tensor p = at::ones({4}, at::kDouble).set_requires_grad(true);
    p.mutable_grad() = at::ones({4}, at::kDouble).to_sparse();
    std::unique_ptr<torch::optim::Optimizer> opt;
    if (use_adam) opt = std::make_unique<optim::Adam>(std::vector<at::Tensor>{p});
    else opt = std::make_unique<optim::SGD>(std::vector<at::Tensor>{p}, optim::SGDOptions(0.1));
    expect_error([&] { opt->step(); }, {"sparse gradients", "param 0 of param group 0"});
  }
}

TEST(BadGradients, GradientOfAnotherDtypeIsRefused) {
  at::Tensor p = at::ones({4}, at::kDouble).set_requires_grad(true);
  p.mutable_grad() = at::ones({4}, at::kFloat);
  optim::Adam adam({p});
  expect_error([&] { adam.step(); },
               {"gradus::optim::Adam", "param 0 of param group 0 is Double", "its gradient is Float"});
  // The operator itself, called directly, checks the same.
  at::Tensor m = at::zeros({4}, at::kDouble), v = at::zeros({4}, at::kDouble), step = at::zeros({}, at::kFloat);
  expect_error([&] { ops::adam_({p}, {p.grad()}, {m}, {v}, {}, {step}, 0.1, 0.9, 0.999, 0, 1e-8, false, false, false); },
               {"gradus::adam_", "grads[0] has dtype Float", "params[0] has dtype Double"});
}

TEST(BadGradients, NanAndInfPropagateAsInTheBuiltin) {
  auto make = [] { return at::linspace(-1, 1, 9, at::kDouble).set_requires_grad(true); };
  at::Tensor a = make(), b = make();
  optim::Adam gradus_adam({a}, optim::AdamOptions(0.1).amsgrad(true));
  torch::optim::Adam builtin_adam({b}, torch::optim::AdamOptions(0.1).amsgrad(true));
  const double inf = std::numeric_limits<double>::infinity();
  at::Tensor grad = at::tensor({0.1, std::nan(""), inf, -inf, 0.0, 0.3, -0.2, 0.5, 1.0}, at::kDouble);
  for (int s = 0; s < 3; ++s) {
    a.mutable_grad() = grad.clone();
    b.mutable_grad() = grad.clone();
    gradus_adam.step();
    builtin_adam.step();
  }
  EXPECT_TRUE(at::isnan(a).any().item<bool>());
  EXPECT_TRUE(at::allclose(a, b, 1e-12, 0, /*equal_nan=*/true)) << a << b;
}

TEST(BadKernelCall, TensorsOfDifferentDevicesInOneCall) {
  at::Tensor cpu = at::ones({3}, at::kFloat);
  at::Tensor meta = at::empty({3}, at::TensorOptions().dtype(at::kFloat).device(at::kMeta));
  expect_error(
      [&] {
        kernels::check_fused_lists("gradus::adam_", {cpu, meta}, {cpu, meta}, {}, {}, false);
      },
      {"gradus::adam_", "params[1] is on device meta", "params[0] is on cpu"});
  // Through the dispatcher the call is refused too (no kernel takes the mix).
  at::Tensor step = at::zeros({}, at::kFloat);
  EXPECT_THROW(ops::adam_({cpu, meta}, {cpu, meta}, {cpu, meta}, {cpu, meta}, {}, {step, step}, 0.1,
                          0.9, 0.999, 0, 1e-8, false, false, false),
               c10::Error);
}

TEST(BadKernelCall, ListsOfDifferentLengths) {
  at::Tensor p = at::ones({3}, at::kFloat);
  at::Tensor step = at::zeros({}, at::kFloat);
  expect_error([&] { ops::adam_({p, p}, {p, p}, {p}, {p, p}, {}, {step, step}, 0.1, 0.9, 0.999, 0,
                                1e-8, false, false, false); },
               {"exp_avgs has 1 tensors but params has 2"});
  expect_error([&] { ops::sgd_({p}, {p}, {}, 0.1, 0.9, 0, 0, false, false, false); },
               {"momentum_buffers has 0 tensors but params has 1"});
}

}  // namespace
}  // namespace testing
}  // namespace gradus
