// Bad input gives an error that names the bad value.
#include <ATen/Parallel.h>
#include <gradus/gradus.h>
#include <gtest/gtest.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

#include <functional>

#include "support/trajectory.h"
#include "support/expect_error.h"
#include "support/optimizer_zoo.h"
#include "support/saved_bytes.h"
#include "fused_call.h"

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
  expect_error([&] { optim::Adamax(p, optim::AdamaxOptions(0.1).betas(std::make_tuple(0.9, 1.0))); },
               {"Adamax", "beta parameter at index 1: 1"});
  expect_error([&] { optim::Adamax(p, optim::AdamaxOptions(0.1).eps(-1e-8)); }, {"epsilon value: -1e-08"});
  expect_error([&] { optim::RAdam(p, optim::RAdamOptions(0.1).weight_decay(-0.5)); },
               {"RAdam", "weight_decay value: -0.5"});
  expect_error([&] { optim::Rprop(p, optim::RpropOptions(0.1).etas(std::make_tuple(0.5, 0.9))); },
               {"Rprop", "invalid eta values", "etaplus: 0.9"});
  expect_error([&] { optim::Rprop(p, optim::RpropOptions(0.1).etas(std::make_tuple(-0.5, 1.2))); },
               {"eta value at index 0: -0.5"});
  expect_error([&] { optim::NAdam(p, optim::NAdamOptions(0.1).momentum_decay(-0.004)); },
               {"NAdam", "momentum_decay value: -0.004"});
  expect_error([&] { optim::NAdam(p, optim::NAdamOptions(0.1).betas(std::make_tuple(1.5, 0.999))); },
               {"beta parameter at index 0: 1.5"});
  expect_error([&] { optim::ASGD(p, optim::ASGDOptions(-0.1)); }, {"ASGD", "learning rate: -0.1"});
  expect_error([&] { optim::ASGD(p, optim::ASGDOptions(0.1).t0(std::nan(""))); }, {"t0 value: nan"});
  optim::ASGD fresh(p, optim::ASGDOptions(0.1));
  expect_error([&] { fresh.ax(p[0]); }, {"ASGD::ax", "has no state"});
  using optim::Adafactor;
  using optim::AdafactorOptions;
  expect_error([&] { Adafactor(p, AdafactorOptions(0.1).beta2_decay(0.5)); },
               {"Adafactor", "invalid beta2_decay value: 0.5", "<= 0"});
  expect_error([&] { Adafactor(p, AdafactorOptions(0.1).d(0.5)); }, {"invalid clipping threshold d: 0.5", ">= 1"});
  expect_error([&] { Adafactor(p, AdafactorOptions(0.1).eps(std::make_tuple(std::optional<double>(-1), 1e-3))); },
               {"invalid epsilon1 value: -1", ">= 0"});
  expect_error([&] { Adafactor(p, AdafactorOptions(0.1).eps(std::make_tuple(std::optional<double>(), -2.0))); },
               {"invalid epsilon2 value: -2", ">= 0"});
  expect_error([&] { Adafactor(p, AdafactorOptions(0.1).capturable(true)); }, {"capturable is not supported"});
}

// Values PyTorch takes without a word, which make no sense.
TEST(BadOptions, BeyondPyTorchsChecks) {
  auto p = some_params();
  expect_error([&] { optim::SGD(p, optim::SGDOptions(0.1).momentum(0.9).dampening(-5)); },
               {"SGD", "dampening value: -5"});
  expect_error([&] { optim::SGD(p, optim::SGDOptions(0.1).momentum(0.9).dampening(1.5)); }, {"dampening value: 1.5"});
  expect_error([&] { optim::ASGD(p, optim::ASGDOptions(0.1).alpha(-0.75)); }, {"ASGD", "alpha value: -0.75"});
  expect_error([&] { optim::ASGD(p, optim::ASGDOptions(0.1).t0(-1)); }, {"t0 value: -1"});
  expect_error([&] { optim::ASGD(p, optim::ASGDOptions(0.1).lambd(-1e-4)); }, {"lambd value: -0.0001"});
  expect_error([&] { optim::Rprop(p, optim::RpropOptions(0.1).step_sizes(std::make_tuple(2.0, 1.0))); },
               {"Rprop", "invalid step_sizes", "step_size_min: 2"});
  std::vector<at::Tensor> matrix = {at::ones({2, 2}).set_requires_grad(true)};
  expect_error([&] { optim::Muon(matrix, optim::MuonOptions(0.1).momentum(1.0)); }, {"Muon", "momentum value: 1"});
}

// State files whose tensors do not fit the params, for the optimizers whose
// step is ATen operations: refused by load(), naming the tensor, with the
// optimizer unchanged.
TEST(AllOrNothing, SparseAdamAndMuonRefuseStateThatDoesNotFit) {
  auto dense = at::zeros({4, 3}, at::kDouble).set_requires_grad(true);
  optim::SparseAdam sparse({dense}, optim::SparseAdamOptions(0.1));
  dense.mutable_grad() = at::ones({4, 3}, at::kDouble).to_sparse();
  sparse.step();
  auto other = at::zeros({4, 3}, at::kFloat).set_requires_grad(true);
  optim::SparseAdam float_sparse({other}, optim::SparseAdamOptions(0.1));
  other.mutable_grad() = at::ones({4, 3}).to_sparse();
  float_sparse.step();
  const std::string before = saved_bytes(sparse);
  expect_error([&] { load_bytes(sparse, saved_bytes(float_sparse)); },
               {"SparseAdam", "exp_avg of param 0 of param group 0 is Float [4, 3]", "the param is Double [4, 3]"});
  EXPECT_EQ(saved_bytes(sparse), before);

  auto w = at::ones({3, 2}).set_requires_grad(true), v = at::ones({2, 3}).set_requires_grad(true);
  optim::Muon muon({w}, optim::MuonOptions(0.01)), muon_other({v}, optim::MuonOptions(0.01));
  w.mutable_grad() = at::ones_like(w);
  v.mutable_grad() = at::ones_like(v);
  muon.step();
  muon_other.step();
  const std::string muon_before = saved_bytes(muon);
  expect_error([&] { load_bytes(muon, saved_bytes(muon_other)); },
               {"Muon", "momentum_buffer of param 0 of param group 0 is Float [2, 3]", "the param is Float [3, 2]"});
  EXPECT_EQ(saved_bytes(muon), muon_before);
}

// The same for the fused optimizers: a file whose state does not fit is
// refused by load(), not at the next step.
TEST(AllOrNothing, AStateFileOfOtherShapesIsRefusedByLoad) {
  auto five = at::ones({5}, at::kDouble).set_requires_grad(true), six = at::ones({6}, at::kDouble).set_requires_grad(true);
  auto single = at::ones({6}).set_requires_grad(true);
  optim::Adam from({five}, optim::AdamOptions(0.1)), into({six}, optim::AdamOptions(0.1)),
      into_float({single}, optim::AdamOptions(0.1));
  five.mutable_grad() = at::ones_like(five);
  six.mutable_grad() = at::ones_like(six);
  from.step();
  into.step();
  const std::string before = saved_bytes(into);
  expect_error([&] { load_bytes(into, saved_bytes(from)); },
               {"gradus::optim::Adam", "exp_avgs entry of param 0 of param group 0 is Double [5]", "needs Double [6]"});
  EXPECT_EQ(saved_bytes(into), before);
  expect_error([&] { load_bytes(into_float, saved_bytes(into)); }, {"is Double [6]", "needs Float [6]"});
}

// SparseAdam's ATen operations take float and double: a half param is
// refused before its step count or moments move.
TEST(AllOrNothing, SparseAdamRefusesAHalfParamBeforeAnyStateMoves) {
  auto good = at::zeros({4, 3}).set_requires_grad(true), half = at::zeros({4, 3}, at::kHalf).set_requires_grad(true);
  optim::SparseAdam sparse({good, half}, optim::SparseAdamOptions(0.1));
  good.mutable_grad() = at::ones({4, 3}).to_sparse();
  half.mutable_grad() = at::ones({4, 3}, at::kHalf).to_sparse();
  expect_error([&] { sparse.step(); }, {"SparseAdam", "param 1 of param group 0 is Half", "float or double"});
  EXPECT_EQ(sparse.state_of(good), nullptr) << "state was made for the good param";
  EXPECT_TRUE(good.equal(at::zeros({4, 3})));
}

TEST(BadParams, AnEmptyParameterListIsRefusedAsInPyTorch) {
  expect_error([] { optim::Adam(std::vector<at::Tensor>{}); }, {"gradus::optim::Adam", "empty parameter list"});
  expect_error([] { optim::SparseAdam(std::vector<at::Tensor>{}); }, {"SparseAdam", "empty parameter list"});
  expect_error([] { optim::Muon(std::vector<at::Tensor>{}); }, {"Muon", "empty parameter list"});
  expect_error([] { optim::Adafactor(std::vector<at::Tensor>{}); }, {"Adafactor", "empty parameter list"});
  // A param group without params is not: ZeRO gives some ranks none.
  optim::Adam grouped(std::vector<torch::optim::OptimizerParamGroup>{torch::optim::OptimizerParamGroup({})});
  EXPECT_EQ(grouped.param_groups().size(), 1u);
}

TEST(BadOptions, GroupOptionsAndLaterChangesAreCheckedToo) {
  auto p = some_params();
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(p, std::make_unique<optim::AdamOptions>(optim::AdamOptions(-3)));
  expect_error([&] { optim::Adam(std::move(groups), optim::AdamOptions(0.1)); }, {"learning rate: -3"});

  optim::Adam adam(p, optim::AdamOptions(0.1));
  auto& options = static_cast<optim::AdamOptions&>(adam.param_groups()[0].options());
  options.lr(-0.25);  // set past set_lr()
  p[0].mutable_grad() = at::ones({4}, at::kDouble);
  expect_error([&] { adam.step(); }, {"learning rate: -0.25"});
}

// With a device lr (capturable), set_lr(), which every scheduler calls,
// refuses what step() would, before it changes anything: a captured CUDA
// graph replays without step().
TEST(BadOptions, SetLrRefusesWhatStepWouldAndKeepsTheOldLr) {
  auto p = some_params();
  optim::Adam adam(p, optim::AdamOptions(0.1).capturable(true));
  for (const double bad : {-0.25, std::nan(""), double(INFINITY)}) {
    std::ostringstream value;
    value << bad;
    expect_error([&] { adam.param_groups()[0].options().set_lr(bad); }, {"invalid learning rate: " + value.str()});
    EXPECT_EQ(adam.param_groups()[0].options().get_lr(), 0.1);
    const auto& device_lr = static_cast<const optim::AdamOptions&>(adam.param_groups()[0].options()).device_lr();
    ASSERT_TRUE(device_lr.defined());
    EXPECT_EQ(device_lr.item<float>(), 0.1f);
  }
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

// Adafactor's factors take their lerp in ATen, outside the fused calls'
// checks: state that does not fit its param (from a file of another model)
// must be refused before the first factor moves, wherever it sits.
TEST(AllOrNothing, AdafactorRefusesStateThatDoesNotFitBeforeAnyStateMoves) {
  using optim::AdafactorParamState;
  const std::vector<std::pair<const char*, std::function<void(AdafactorParamState&)>>> corruptions = {
      {"row_var", [](AdafactorParamState& s) { s.row_var(at::zeros({3, 1}, at::kDouble)); }},
      {"col_var", [](AdafactorParamState& s) { s.col_var(at::Tensor()); }},
      {"step", [](AdafactorParamState& s) { s.step(at::zeros({2})); }},
      {"variance", [](AdafactorParamState& s) { s.variance(at::zeros({5}, at::kFloat)); }}};
  for (const auto& [field, corrupt] : corruptions) {
    SCOPED_TRACE(field);
    std::vector<at::Tensor> params = {at::ones({3, 4}, at::kDouble), at::ones({4, 3}, at::kDouble),
                                      at::ones({5}, at::kDouble)};
    for (auto& p : params) {
      p.set_requires_grad(true);
      p.mutable_grad() = at::full_like(p, 0.5);
    }
    optim::Adafactor adafactor(params, optim::AdafactorOptions(0.01));
    adafactor.step();
    // The matrix of shape [4, 3] is corrupt in its factors; the vector in its variance.
    const at::Tensor& victim = std::string(field) == "variance" ? params[2] : params[1];
    corrupt(*static_cast<AdafactorParamState*>(adafactor.state_of(victim)));
    for (auto& p : params) p.mutable_grad() = at::full_like(p, 1.5);  // a lerp toward new values would show
    std::vector<at::Tensor> before;
    for (const auto& p : params) before.push_back(p.detach().clone());
    const std::string state_before = saved_bytes(adafactor);
    expect_error([&] { adafactor.step(); }, {"gradus::optim::Adafactor", field, "param of shape"});
    for (size_t i = 0; i < params.size(); ++i) EXPECT_TRUE(at::equal(params[i], before[i])) << "param " << i << " moved";
    EXPECT_EQ(saved_bytes(adafactor), state_before) << "state moved";
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
  expect_error([&] { ops::fused_step({{p}, {p.grad()}, {{m}, {v}, {}}, {step}}, ops::AdamHyper{}); },
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

// The checks every backend runs first (kernels::check_call): the CUDA
// kernel's path is exercised here on CPU tensors. A call's lists are views;
// this holds the vectors they view.
using Call = kernels::FusedCall<ops::AdamHyper>;
struct AdamCall {
  std::vector<at::Tensor> params, grads;
  std::array<std::vector<at::Tensor>, 3> state;
  std::vector<at::Tensor> steps;
  Call call;  // its hyperparameters and optional tensors; lists from view()

  Call view() const {
    Call c = call;
    c.params = params;
    c.grads = grads;
    for (size_t k = 0; k < state.size(); ++k) c.state[k] = state[k];
    c.steps = steps;
    return c;
  }
};

AdamCall adam_call(std::vector<at::Tensor> params, std::vector<at::Tensor> grads) {
  AdamCall lists;
  lists.call.op = "gradus::adam_";
  for (const at::Tensor& p : params) {
    lists.state[0].push_back(at::zeros(p.sizes(), p.options()));
    lists.state[1].push_back(at::zeros(p.sizes(), p.options()));
    lists.steps.push_back(at::zeros({}, at::TensorOptions().dtype(at::kFloat).device(p.device())));
  }
  lists.params = std::move(params);
  lists.grads = std::move(grads);
  return lists;
}

TEST(BadKernelCall, TensorsOfDifferentDevicesInOneCall) {
  at::Tensor cpu = at::ones({3}, at::kFloat);
  at::Tensor meta = at::empty({3}, at::TensorOptions().dtype(at::kFloat).device(at::kMeta));
  auto lists = adam_call({cpu, meta}, {cpu, meta});
  auto call = lists.view();
  expect_error([&] { kernels::check_call(call); },
               {"gradus::adam_", "params[1] is on device meta", "params[0] is on cpu"});
  // Through the dispatcher the call is refused too (no kernel takes the mix).
  at::Tensor step = at::zeros({}, at::kFloat);
  EXPECT_THROW(ops::fused_step({{cpu, meta}, {cpu, meta}, {{cpu, meta}, {cpu, meta}, {}}, {step, step}},
                               ops::AdamHyper{}),
               c10::Error);
}

TEST(BadKernelCall, ListsOfDifferentLengths) {
  at::Tensor p = at::ones({3}, at::kFloat);
  at::Tensor step = at::zeros({}, at::kFloat);
  expect_error([&] { ops::fused_step({{p, p}, {p, p}, {{p}, {p, p}, {}}, {step, step}}, ops::AdamHyper{}); },
               {"exp_avgs has 1 tensors but params has 2"});
  ops::SgdHyper sgd;
  sgd.momentum = 0.9;
  expect_error([&] { ops::fused_step({{p}, {p}, {{}}, {}}, sgd); },
               {"momentum_buffers has 0 tensors but params has 1"});
  // Empty lists are checked the same way on every operator.
  expect_error([&] { ops::fused_step({{}, {p}, {{}, {}, {}}, {}}, ops::AdamHyper{}); },
               {"grads has 1 tensors but params has 0"});
  // Adadelta's two lists and the Kahan buffers' (which may be left out).
  expect_error([&] { ops::fused_step({{}, {}, {{}, {}, {}, {}}, {}}, ops::AdadeltaHyper{}); },
               {"state has 4 lists but the operator keeps 3"});
  expect_error([&] { ops::fused_step({{}, {}, {{}}, {}}, ops::AdadeltaHyper{}); },
               {"state has 1 lists but the operator keeps 3"});
}

// Long lists are checked by both threads; the error still names the first
// bad tensor, and nothing moves.
TEST(BadKernelCall, ALongListNamesItsFirstBadTensor) {
  at::set_num_threads(2);
  std::vector<at::Tensor> params, grads;
  for (int i = 0; i < 3000; ++i) {
    params.push_back(at::full({2}, 1.0));
    grads.push_back(at::full({2}, 0.5));
  }
  auto lists = adam_call(params, grads);
  lists.state[0][1550] = at::zeros({3});
  lists.state[0][1200] = at::zeros({4});
  lists.call.hyper.lr = 0.1;
  const Call call = lists.view();
  for (int attempt = 0; attempt < 3; ++attempt) {
    expect_error([&] {
      ops::fused_step({call.params, call.grads, {call.state[0], call.state[1], call.state[2]}, call.steps},
                      call.hyper);
    }, {"exp_avgs[1200] has shape [4]"});
  }
  for (const auto& p : params) ASSERT_TRUE(at::equal(p, at::full({2}, 1.0)));
  for (const auto& s : lists.steps) ASSERT_EQ(s.item<float>(), 0.f);
}

// step() checks a long group's gradients on both threads; the error still
// names the first bad param, and no param, state or step count moves.
TEST(AllOrNothing, ALongGroupNamesItsFirstBadGradient) {
  at::set_num_threads(2);
  std::vector<at::Tensor> params;
  for (int i = 0; i < 3000; ++i) {
    params.push_back(at::full({2}, 1.0).set_requires_grad(true));
    params.back().mutable_grad() = at::full({2}, 0.5);
  }
  optim::Adam adam(params, optim::AdamOptions(0.1));
  adam.step();
  const at::Tensor after_one = params[0].detach().clone();
  params[1550].mutable_grad() = at::full({2}, 0.5).to_sparse();
  params[1200].mutable_grad() = at::full({3}, 0.5);
  for (int attempt = 0; attempt < 3; ++attempt) {
    expect_error([&] { adam.step(); }, {"param 1200 of param group 0", "[3]"});
  }
  for (const auto& p : params) ASSERT_TRUE(at::equal(p, after_one));
  ASSERT_EQ(adam.state().size(), 3000u);
  for (const auto& p : params) {
    ASSERT_EQ(static_cast<optim::AdamParamState*>(adam.state_of(p))->step().item<float>(), 1.f);
  }
}

// One bad input of a direct call, and the words its error must have.
struct BadCall {
  const char* name;
  std::function<void(AdamCall&)> spoil;
  std::vector<std::string> words;
};

class SharedChecks : public ::testing::TestWithParam<BadCall> {};

// Each bad call is refused with the same words by the dispatcher's CPU
// kernel and by the shared check alone (the CUDA kernel's first step), and
// leaves every tensor as it was.
TEST_P(SharedChecks, SameErrorOnEveryBackendAndNothingMoves) {
  const BadCall& bad = GetParam();
  auto lists = adam_call({at::ones({6}), at::ones({2, 3}).t()}, {at::full({6}, 0.5), at::full({3, 2}, 0.5)});
  lists.call.hyper.lr = 0.1;
  bad.spoil(lists);
  auto direct = lists.view();
  expect_error([&] { kernels::check_call(direct); }, bad.words);
  const Call call = lists.view();
  auto before = [&] {
    std::vector<at::Tensor> all;
    for (const auto& list : {lists.params, lists.grads, lists.state[0], lists.state[1], lists.steps}) {
      for (const auto& t : list) all.push_back(t.defined() ? t.clone() : t);
    }
    return all;
  }();
  expect_error([&] {
    ops::fused_step({call.params, call.grads, {call.state[0], call.state[1], call.state[2]}, call.steps},
                    call.hyper, {call.lr, call.grad_scale, call.found_inf});
  }, bad.words);
  size_t i = 0;
  for (const auto& list : {lists.params, lists.grads, lists.state[0], lists.state[1], lists.steps}) {
    for (const auto& t : list) {
      if (t.defined() && before[i].defined() && t.sizes() == before[i].sizes()) {
        EXPECT_TRUE(at::equal(t, before[i])) << "tensor " << i << " changed";
      }
      ++i;
    }
  }
}

using C = AdamCall;
INSTANTIATE_TEST_SUITE_P(
    BadKernelCall, SharedChecks,
    ::testing::Values(
        BadCall{"NanLr", [](C& c) { c.call.hyper.lr = std::nan(""); }, {"gradus::adam_", "invalid learning rate: nan"}},
        BadCall{"BetaOne", [](C& c) { c.call.hyper.beta1 = 1; },
                {"invalid beta parameter at index 0: 1", "[0, 1)"}},
        BadCall{"InfiniteEps", [](C& c) { c.call.hyper.eps = INFINITY; }, {"invalid epsilon value: inf"}},
        BadCall{"NanTensorLr", [](C& c) { c.call.lr = at::full({}, NAN, at::kFloat); },
                {"invalid learning rate: nan"}},
        BadCall{"NegativeTensorLr", [](C& c) { c.call.lr = at::full({}, -0.5, at::kFloat); },
                {"invalid learning rate: -0.5"}},
        BadCall{"TwoElementTensorLr", [](C& c) { c.call.lr = at::ones({2}, at::kFloat); },
                {"lr must be a one-element float32 tensor", "got 2 elements"}},
        BadCall{"DoubleTensorLr", [](C& c) { c.call.lr = at::ones({}, at::kDouble); },
                {"lr must be a one-element float32 tensor", "Double"}},
        BadCall{"ThreeElementFoundInf", [](C& c) { c.call.found_inf = at::zeros({3}); },
                {"found_inf must be a one-element float32 tensor", "got 3 elements"}},
        BadCall{"HalfGradScale", [](C& c) { c.call.grad_scale = at::ones({}, at::kHalf); },
                {"grad_scale must be a one-element float32 tensor", "Half"}},
        BadCall{"StateOfAnotherDtype", [](C& c) { c.state[1][1] = at::zeros({3, 2}, at::kDouble); },
                {"exp_avg_sqs[1] has dtype Double"}},
        BadCall{"StateOfAnotherShape", [](C& c) { c.state[0][0] = at::zeros({5}); },
                {"exp_avgs[0] has shape [5]"}},
        BadCall{"NonContiguousState", [](C& c) { c.state[0][1] = at::zeros({2, 3}).t(); },
                {"exp_avgs[1] must be contiguous"}},
        BadCall{"MixedDtypes", [](C& c) {
                  c.params[1] = at::ones({3, 2}, at::kDouble);
                  c.grads[1] = at::ones({3, 2}, at::kDouble);
                }, {"params[1] has dtype Double but params[0] has Float"}},
        BadCall{"IntegerParams", [](C& c) {
                  c.params = {at::ones({6}, at::kInt)};
                  c.grads = {at::ones({6}, at::kInt)};
                  c.state[0] = {at::zeros({6}, at::kInt)};
                  c.state[1] = {at::zeros({6}, at::kInt)};
                  c.steps.resize(1);
                }, {"params[0] has dtype Int", "float, double, half or bfloat16"}},
        BadCall{"ExpandedParam", [](C& c) {
                  c.params[0] = at::ones({1}).expand({6});
                }, {"params[0]", "share memory"}},
        BadCall{"DoubleStepCount", [](C& c) { c.steps[0] = at::zeros({}, at::kDouble); },
                {"state_steps[0] must be a one-element float32 tensor"}},
        BadCall{"MissingAmsgradState", [](C& c) { c.call.hyper.amsgrad = true; },
                {"max_exp_avg_sqs has 0 tensors but params has 2"}}),
    [](const ::testing::TestParamInfo<BadCall>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace testing
}  // namespace gradus
