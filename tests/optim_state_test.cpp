// Save/load, resume, param groups, closures and skipped parameters, for every
// gradus optimizer.
#include <ATen/Parallel.h>
#include <gradus/gradus.h>
#include <gtest/gtest.h>
#include <torch/nn/modules/embedding.h>
#include <torch/optim/adam.h>
#include <torch/serialize.h>
#include <torch/utils.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/expect_error.h"
#include "support/optimizer_zoo.h"
#include "support/saved_bytes.h"
#include "support/trajectory.h"

namespace gradus {
namespace testing {
namespace {

namespace fs = std::filesystem;

fs::path temp_file(const std::string& stem) {
  return fs::temp_directory_path() / (stem + "_" + std::to_string(::getpid()) + ".pt");
}

// Groups of the optimizer under test, taking its defaults from a throwaway
// instance (every factory's options differ).
GroupList groups_for(const OptimizerFactory& f, const std::vector<at::Tensor>& params) {
  auto probe = f.make(GroupList{torch::optim::OptimizerParamGroup(params)});
  return two_groups(params, probe->defaults());
}

TEST(OptimizerState, SavedAndResumedTrainingFollowsTheUninterruptedTrajectory) {
  const Problem problem;
  for (const auto& f : all_optimizers()) {
    SCOPED_TRACE(f.name);
    auto straight_params = problem.initial_params();
    auto straight = f.make(groups_for(f, straight_params));
    at::Tensor first_half = run_trajectory(*straight, straight_params, problem, 100);
    straight->param_groups()[1].options().set_lr(straight->param_groups()[1].options().get_lr() * 0.3);
    at::Tensor expected = run_trajectory(*straight, straight_params, problem, 100, 100);

    auto params = problem.initial_params();
    auto before = f.make(groups_for(f, params));
    run_trajectory(*before, params, problem, 100);
    before->param_groups()[1].options().set_lr(before->param_groups()[1].options().get_lr() * 0.3);
    const auto path = temp_file("gradus_resume");
    torch::save(*before, path.string());

    auto resumed_params = clone_params(params);  // a new process would reload these too
    auto after = f.make(groups_for(f, resumed_params));
    torch::load(*after, path.string());
    fs::remove(path);
    EXPECT_DOUBLE_EQ(after->param_groups()[1].options().get_lr(),
                     before->param_groups()[1].options().get_lr());
    at::Tensor resumed = run_trajectory(*after, resumed_params, problem, 100, 100);
    EXPECT_TRUE(at::equal(resumed, expected)) << "max diff " << (resumed - expected).abs().max().item<double>();
    EXPECT_FALSE(at::equal(first_half.slice(0, 99, 100), expected.slice(0, 99, 100)));
  }
}

TEST(OptimizerState, FileFromAnotherOptimizerIsRefusedByName) {
  const Problem problem;
  auto params = problem.initial_params();
  optim::SGD sgd(params, optim::SGDOptions(0.1).momentum(0.9));
  run_trajectory(sgd, params, problem, 3);
  const auto path = temp_file("gradus_sgd_state");
  torch::save(sgd, path.string());
  optim::Adam adam(params, optim::AdamOptions(0.1));
  try {
    torch::load(adam, path.string());
    ADD_FAILURE() << "loading SGD state into Adam did not throw";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what()).find("written by gradus::optim::SGD"), std::string::npos) << e.what();
  }
  fs::remove(path);
}

TEST(OptimizerState, FileForOtherParamGroupsIsRefused) {
  const Problem problem;
  auto params = problem.initial_params();
  optim::Adam two(two_groups(params, optim::AdamOptions(0.1)), optim::AdamOptions(0.1));
  const auto path = temp_file("gradus_groups_state");
  torch::save(two, path.string());
  optim::Adam one(params);
  EXPECT_THROW(
      {
        try {
          torch::load(one, path.string());
        } catch (const c10::Error& e) {
          EXPECT_NE(std::string(e.what()).find("has 2 param groups but this optimizer has 1"),
                    std::string::npos) << e.what();
          throw;
        }
      },
      c10::Error);
  fs::remove(path);
}

TEST(OptimizerState, TruncatedFileThrows) {
  const Problem problem;
  auto params = problem.initial_params();
  optim::Adam adam(params);
  run_trajectory(adam, params, problem, 2);
  const auto path = temp_file("gradus_truncated_state");
  torch::save(adam, path.string());
  fs::resize_file(path, fs::file_size(path) / 2);
  optim::Adam fresh(params);
  EXPECT_THROW(torch::load(fresh, path.string()), c10::Error);
  fs::remove(path);
}

// A long group, its states looked up on both threads and its params in two
// buckets (float and double interleaved), follows the built-in: each param
// gets its own state, whatever thread found it.
TEST(OptimizerState, ALongMixedGroupFollowsTheBuiltin) {
  at::set_num_threads(2);
  std::vector<at::Tensor> ours, theirs;
  for (int i = 0; i < 2000; ++i) {
    const auto dtype = i % 7 == 0 ? at::kDouble : at::kFloat;
    const at::Tensor start = at::full({3}, 0.01 * i, dtype);
    ours.push_back(start.clone().set_requires_grad(true));
    theirs.push_back(start.clone().set_requires_grad(true));
  }
  optim::Adam adam(ours, optim::AdamOptions(0.05));
  torch::optim::Adam builtin(theirs, torch::optim::AdamOptions(0.05));
  for (int step = 0; step < 5; ++step) {
    for (int i = 0; i < 2000; ++i) {
      // A gradient of its own for each param and step: a state used for
      // the wrong param moves it elsewhere.
      const at::Tensor grad = at::full({3}, std::sin(0.37 * i + step), ours[i].scalar_type());
      ours[i].mutable_grad() = grad.clone();
      theirs[i].mutable_grad() = grad.clone();
    }
    adam.step();
    builtin.step();
  }
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(at::allclose(ours[i], theirs[i], 1e-5, 1e-6)) << "param " << i;
  }
}

// load() reads everything before it replaces anything: a file refused at its
// second group leaves options and state exactly as they were.
TEST(OptimizerState, ARefusedFileLeavesTheOptimizerUnchanged) {
  for (const auto& f : all_optimizers()) {
    SCOPED_TRACE(f.name);
    const Problem problem;
    auto params = problem.initial_params();
    auto target = f.make(groups_for(f, params));
    run_trajectory(*target, params, problem, 3);
    const std::string before = saved_bytes(*target);

    // A file whose second group has a bad lr, from an optimizer trained elsewhere.
    auto other_params = problem.initial_params();
    auto other = f.make(groups_for(f, other_params));
    run_trajectory(*other, other_params, problem, 5);
    other->param_groups()[1].options().set_lr(-1);
    std::istringstream bad_lr(saved_bytes(*other));
    EXPECT_THROW(torch::load(*target, bad_lr), c10::Error);
    EXPECT_EQ(saved_bytes(*target), before) << "a refused file changed the optimizer";

    // A file whose second group holds another number of params.
    auto three = problem.initial_params();
    GroupList uneven;
    uneven.emplace_back(std::vector<at::Tensor>{three[0], three[1]});
    uneven.emplace_back(std::vector<at::Tensor>{three[2]});
    auto mismatched = f.make(std::move(uneven));
    std::istringstream bad_count(saved_bytes(*mismatched));
    EXPECT_THROW(torch::load(*target, bad_count), c10::Error);
    EXPECT_EQ(saved_bytes(*target), before) << "a refused file changed the optimizer";
  }
}

TEST(OptimizerState, ClosureLossIsReturnedAndTrajectoryUnchanged) {
  const Problem problem;
  for (const auto& f : all_optimizers()) {
    SCOPED_TRACE(f.name);
    auto plain_params = problem.initial_params();
    auto plain = f.make(GroupList{torch::optim::OptimizerParamGroup(plain_params)});
    at::Tensor expected = run_trajectory(*plain, plain_params, problem, 20);

    auto params = problem.initial_params();
    auto optimizer = f.make(GroupList{torch::optim::OptimizerParamGroup(params)});
    for (int64_t s = 0; s < 20; ++s) {
      double seen = 0;
      at::Tensor loss = optimizer->step([&] {
        optimizer->zero_grad();
        at::Tensor l = problem.loss(params, s);
        l.backward();
        seen = l.item<double>();
        return l;
      });
      ASSERT_TRUE(loss.defined());
      EXPECT_EQ(loss.item<double>(), seen);
    }
    EXPECT_LE(max_relative_diff(flatten(params).unsqueeze(0), expected.slice(0, 19, 20)), 1e-12);
  }
}

// A capturable optimizer's device lr (what a CUDA-graph-captured step
// reads) follows the schedule and gives the same trajectory as the plain lr.
template <class Optimizer, class Options>
void expect_capturable_matches_plain(Options options) {
  const Problem problem;
  auto plain_params = problem.initial_params(), tensor_params = problem.initial_params();
  Optimizer plain(plain_params, options);
  Options capturable = options;
  capturable.capturable(true);
  Optimizer tensor_lr(tensor_params, capturable);
  schedulers::LinearDecay plain_schedule(plain, 40), tensor_schedule(tensor_lr, 40);
  for (int64_t s = 0; s < 40; ++s) {
    problem.set_grads(plain_params, s);
    problem.set_grads(tensor_params, s);
    plain.step();
    tensor_lr.step();
    plain_schedule.step();
    tensor_schedule.step();
    const auto& o = static_cast<const Options&>(tensor_lr.param_groups()[0].options());
    ASSERT_FLOAT_EQ(o.device_lr().template item<float>(), float(o.lr()));
  }
  // float lr tensor: the lr rounds to float, so agreement is to float precision.
  EXPECT_LE(max_relative_diff(flatten(tensor_params).unsqueeze(0), flatten(plain_params).unsqueeze(0)), 1e-6);
  EXPECT_FALSE(at::equal(flatten(tensor_params), flatten(problem.initial_params())));
}

TEST(OptimizerState, CapturableLrFollowsTheScheduleAndTheTrajectory) {
  expect_capturable_matches_plain<optim::Adam>(optim::AdamOptions(0.01).amsgrad(true));
  expect_capturable_matches_plain<optim::AdamW>(optim::AdamWOptions(0.01));
  expect_capturable_matches_plain<optim::SGD>(optim::SGDOptions(0.05).momentum(0.9));
  expect_capturable_matches_plain<optim::Adagrad>(optim::AdagradOptions(0.05));
  expect_capturable_matches_plain<optim::RMSprop>(optim::RMSpropOptions(0.01).centered(true));
  expect_capturable_matches_plain<optim::Adadelta>(optim::AdadeltaOptions(0.5));
  expect_capturable_matches_plain<optim::Adamax>(optim::AdamaxOptions(0.01));
  expect_capturable_matches_plain<optim::RAdam>(optim::RAdamOptions(0.01).weight_decay(0.1).decoupled_weight_decay(true));
  expect_capturable_matches_plain<optim::Rprop>(optim::RpropOptions(0.01));
  expect_capturable_matches_plain<optim::NAdam>(optim::NAdamOptions(0.01).weight_decay(0.1).decoupled_weight_decay(true));
  expect_capturable_matches_plain<optim::ASGD>(optim::ASGDOptions(0.05).lambd(1e-3).t0(10));
}

// Two groups made from one options object each get their own device lr; a
// scheduler moves each; load() keeps the tensors (a captured graph reads them).
TEST(OptimizerState, CapturableGroupsOwnTheirDeviceLrs) {
  const Problem problem;
  auto params = problem.initial_params();
  const auto options = optim::AdamOptions(0.01).capturable(true);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<at::Tensor>{params[0], params[1]}, std::make_unique<optim::AdamOptions>(options));
  groups.emplace_back(std::vector<at::Tensor>{params[2], params[3]}, std::make_unique<optim::AdamOptions>(options));
  optim::Adam adam(std::move(groups), options);
  auto device_lr = [&](size_t g) {
    return static_cast<const optim::AdamOptions&>(adam.param_groups()[g].options()).device_lr();
  };
  ASSERT_FALSE(device_lr(0).is_same(device_lr(1)));
  adam.param_groups()[1].options().set_lr(0.5);
  EXPECT_FLOAT_EQ(device_lr(0).item<float>(), 0.01f);
  EXPECT_FLOAT_EQ(device_lr(1).item<float>(), 0.5f);

  schedulers::LambdaLR schedule(
      adam, std::vector<schedulers::LrLambda>{[](int64_t e) { return 1.0 / (1 + e); }, [](int64_t) { return 2.0; }});
  for (int64_t s = 0; s < 3; ++s) {
    problem.set_grads(params, s);
    adam.step();
    schedule.step();
  }
  EXPECT_FLOAT_EQ(device_lr(0).item<float>(), float(0.01 / 4));
  EXPECT_FLOAT_EQ(device_lr(1).item<float>(), float(0.5 * 2));

  std::stringstream file;
  torch::save(adam, file);
  adam.param_groups()[0].options().set_lr(0.3);
  const at::Tensor kept0 = device_lr(0), kept1 = device_lr(1);
  torch::load(adam, file);
  EXPECT_TRUE(device_lr(0).is_same(kept0));
  EXPECT_TRUE(device_lr(1).is_same(kept1));
  EXPECT_FLOAT_EQ(kept0.item<float>(), float(0.01 / 4));
  EXPECT_TRUE(static_cast<const optim::AdamOptions&>(adam.param_groups()[0].options()).capturable());
}

TEST(OptimizerState, ParamsWithoutGradientAreSkipped) {
  for (const auto& f : all_optimizers()) {
    SCOPED_TRACE(f.name);
    at::Tensor used = at::ones({5}, at::kDouble).set_requires_grad(true);
    at::Tensor unused = at::ones({3}, at::kDouble).set_requires_grad(true);
    auto optimizer = f.make(GroupList{torch::optim::OptimizerParamGroup({used, unused})});
    // ADOPT's first step and RAdamScheduleFree's first ones (before the
    // variance is rectified) only gather statistics.
    for (int s = 0; s < 10 && at::equal(used, at::ones({5}, at::kDouble)); ++s) {
      used.mutable_grad() = at::full({5}, 0.5, at::kDouble);
      optimizer->step();
    }
    EXPECT_FALSE(at::equal(used, at::ones({5}, at::kDouble)));
    EXPECT_TRUE(at::equal(unused, at::ones({3}, at::kDouble)));
    optimizer->zero_grad();
    EXPECT_TRUE(!used.grad().defined() || at::equal(used.grad(), at::zeros({5}, at::kDouble)));
  }
}

// LibTorch 2.x's own add_param_group would rebuild these options from the
// defaults; gradus keeps them on every version.
TEST(ParamGroups, AGroupAddedLaterKeepsItsOwnOptions) {
  at::Tensor a = at::ones({3}, at::kDouble).set_requires_grad(true);
  at::Tensor b = at::ones({2}, at::kDouble).set_requires_grad(true);
  at::Tensor c = at::ones({2}, at::kDouble).set_requires_grad(true);
  optim::Adam adam({a}, optim::AdamOptions(0.1));
  adam.add_param_group(torch::optim::OptimizerParamGroup(
      {b}, std::make_unique<optim::AdamOptions>(optim::AdamOptions(0.01).betas({0.5, 0.6}).amsgrad(true))));
  adam.add_param_group(torch::optim::OptimizerParamGroup({c}));  // no options: the defaults
  ASSERT_EQ(adam.param_groups().size(), 3u);
  const auto& added = static_cast<const optim::AdamOptions&>(adam.param_groups()[1].options());
  EXPECT_EQ(added.lr(), 0.01);
  EXPECT_EQ(std::get<0>(added.betas()), 0.5);
  EXPECT_TRUE(added.amsgrad());
  const auto& defaulted = static_cast<const optim::AdamOptions&>(adam.param_groups()[2].options());
  EXPECT_EQ(defaulted.lr(), 0.1);
  EXPECT_FALSE(defaulted.amsgrad());
  // Options are copies: changing a group's leaves the defaults and the others alone.
  adam.param_groups()[2].options().set_lr(0.5);
  EXPECT_EQ(adam.defaults().get_lr(), 0.1);
  EXPECT_EQ(adam.param_groups()[0].options().get_lr(), 0.1);
}

}  // namespace
}  // namespace testing
}  // namespace gradus

namespace gradus {
namespace testing {
namespace {

int64_t state_bytes(torch::optim::Optimizer& optimizer) {
  int64_t bytes = 0;
  for (const auto& [key, state] : optimizer.state()) {
    (void)key;
    std::vector<at::Tensor> tensors;
    if (auto* a = dynamic_cast<optim::AdafactorParamState*>(state.get())) {
      tensors = {a->step(), a->row_var(), a->col_var(), a->variance()};
    } else if (auto* adam = dynamic_cast<optim::AdamParamState*>(state.get())) {
      tensors = {adam->step(), adam->exp_avg(), adam->exp_avg_sq(), adam->max_exp_avg_sq()};
    }
    for (const auto& t : tensors) {
      if (t.defined()) bytes += t.numel() * static_cast<int64_t>(t.element_size());
    }
  }
  return bytes;
}

// Adafactor keeps a row and a column factor for a matrix, not a full second
// moment: for a 4096 x 4096 float weight, 32 KiB (plus its step) against
// Adam's 128 MiB.
TEST(Adafactor, FactoredStateOfA4096By4096WeightAgainstAdam) {
  at::Tensor weight = at::rand({4096, 4096}, at::kFloat).set_requires_grad(true);
  weight.mutable_grad() = at::rand({4096, 4096}, at::kFloat);
  optim::Adafactor adafactor({weight});
  adafactor.step();
  optim::Adam adam({weight});
  adam.step();
  const int64_t factored = state_bytes(adafactor), full = state_bytes(adam);
  std::printf("state bytes for a 4096x4096 float weight: Adafactor %lld, Adam %lld (%.0fx)\n",
              static_cast<long long>(factored), static_cast<long long>(full), double(full) / double(factored));
  EXPECT_EQ(factored, (4096 + 4096) * 4 + 4);  // row_var, col_var, step
  EXPECT_EQ(full, 2 * 4096 * 4096 * 4 + 4);    // exp_avg, exp_avg_sq, step
}

// The two norms Adafactor's step size reads are sums taken in fixed chunks
// and added in a fixed order: one thread and two give the same bits. The
// vector spans four chunks and a tail, the matrix five.
TEST(Adafactor, NormsDoNotDependOnTheThreadCount) {
  auto run = [](int threads) {
    at::set_num_threads(threads);
    at::manual_seed(7);
    std::vector<at::Tensor> params = {at::randn({100003}, at::kFloat), at::randn({300, 500}, at::kFloat)};
    optim::Adafactor adafactor(params, optim::AdafactorOptions(0.05).weight_decay(0.01));
    for (int step = 0; step < 5; ++step) {
      for (auto& p : params) p.mutable_grad() = at::randn(p.sizes(), at::kFloat);
      adafactor.step();
    }
    return params;
  };
  const auto one = run(1), two = run(2);
  for (size_t i = 0; i < one.size(); ++i) EXPECT_TRUE(at::equal(one[i], two[i])) << "param " << i;
}

// gradus::adafactor_ called directly, in double, against PyTorch's ops
// written out in ATen: the first pass must see gradients unscaled (AMP), as
// the update does; a given estimate (estimated_variance) is read and left.
TEST(Adafactor, OperatorAgainstItsAtenFormula) {
  at::manual_seed(3);
  const at::Tensor param0 = at::randn({70000}, at::kDouble), grad0 = at::randn({70000}, at::kDouble);
  const at::Tensor variance0 = at::rand({70000}, at::kDouble);
  ops::AdafactorHyper hyper;
  hyper.lr = 0.03;
  hyper.weight_decay = 0.1;
  hyper.eps1 = 1e-30;
  for (const bool estimated : {false, true}) {
    at::Tensor param = param0.clone(), grad = grad0 * 8, variance = variance0.clone();
    at::Tensor step = at::full({}, 4.0, at::kFloat);
    hyper.estimated_variance = estimated;
    ops::fused_step({{param}, {grad}, {{variance}}, {step}}, hyper, {{}, at::full({}, 8.0, at::kFloat), {}});

    const double t = 5, numel_root = std::sqrt(70000.0);
    const at::Tensor v = estimated ? variance0 : variance0.lerp(grad0 * grad0, std::pow(t, hyper.beta2_decay));
    const at::Tensor update = v.clamp(hyper.eps1 * hyper.eps1).rsqrt() * grad0;
    const double rho = std::min(hyper.lr, 1 / std::sqrt(t));
    const double alpha = std::max(hyper.eps2, param0.norm().item<double>() / numel_root) * rho;
    const double denom = std::max(1.0, update.norm().item<double>() / (numel_root * hyper.d));
    const at::Tensor expected = param0 * (1 - hyper.lr * hyper.weight_decay) - alpha / denom * update;
    EXPECT_LE(max_relative_diff(param.unsqueeze(0), expected.unsqueeze(0)), 1e-13) << "estimated " << estimated;
    EXPECT_TRUE(at::allclose(variance, v, 1e-15, 0)) << "estimated " << estimated;
    EXPECT_TRUE(at::equal(grad, grad0)) << "grads are written back unscaled";
    EXPECT_EQ(step.item<float>(), 5.f);
  }
}

// The operator's own ranges (beta2_decay <= 0, d >= 1) are refused with the
// value named, before the reduction pass or anything else moves.
TEST(Adafactor, OperatorRefusesItsRangesAndMovesNothing) {
  const at::Tensor param = at::randn({100}, at::kDouble), grad = at::randn({100}, at::kDouble);
  const at::Tensor variance = at::rand({100}, at::kDouble);
  at::Tensor p = param.clone(), v = variance.clone(), step = at::zeros({}, at::kFloat);
  ops::AdafactorHyper decay;
  decay.beta2_decay = 0.5;
  expect_error([&] { ops::fused_step({{p}, {grad}, {{v}}, {step}}, decay); },
               {"gradus::adafactor_", "invalid beta2_decay value: 0.5", "<= 0"});
  ops::AdafactorHyper threshold;
  threshold.d = 0.5;
  expect_error([&] { ops::fused_step({{p}, {grad}, {{v}}, {step}}, threshold); },
               {"invalid clipping threshold d: 0.5", ">= 1"});
  EXPECT_TRUE(at::equal(p, param));
  EXPECT_TRUE(at::equal(v, variance));
  EXPECT_EQ(step.item<float>(), 0.f);
}

}  // namespace
}  // namespace testing
}  // namespace gradus

namespace gradus {
namespace testing {
namespace {

// Muon takes the 2-D weights (w1, w2); AdamW the biases, in the same loop:
// the way docs/optimizers.md gives for models with other parameters.
struct MuonWithAdamW {
  std::vector<at::Tensor> params;
  optim::Muon muon;
  optim::AdamW adamw;
  explicit MuonWithAdamW(std::vector<at::Tensor> p)
      : params(std::move(p)),
        muon(std::vector<at::Tensor>{params[0], params[2]}, optim::MuonOptions(0.02)),
        adamw(std::vector<at::Tensor>{params[1], params[3]}, optim::AdamWOptions(0.01)) {}
  at::Tensor run(const Problem& problem, int64_t steps, int64_t first) {
    std::vector<at::Tensor> rows;
    for (int64_t s = first; s < first + steps; ++s) {
      problem.set_grads(params, s);
      muon.step();
      adamw.step();
      rows.push_back(flatten(params));
    }
    return at::stack(rows);
  }
};

TEST(Muon, WithAdamWForTheRestTrainsAndResumesExactly) {
  const Problem problem;
  MuonWithAdamW straight(problem.initial_params());
  const double loss_before = problem.loss(straight.params, 0).item<double>();
  straight.run(problem, 100, 0);
  const at::Tensor expected = straight.run(problem, 100, 100);
  EXPECT_LT(problem.loss(straight.params, 0).item<double>(), loss_before) << "trained";

  MuonWithAdamW before(problem.initial_params());
  before.run(problem, 100, 0);
  const auto muon_file = temp_file("gradus_muon"), adamw_file = temp_file("gradus_muon_adamw");
  torch::save(before.muon, muon_file.string());
  torch::save(before.adamw, adamw_file.string());
  MuonWithAdamW after(clone_params(before.params));
  torch::load(after.muon, muon_file.string());
  torch::load(after.adamw, adamw_file.string());
  fs::remove(muon_file);
  fs::remove(adamw_file);
  EXPECT_TRUE(at::equal(after.run(problem, 100, 100), expected));
}

TEST(Muon, RefusesWhatPyTorchRefuses) {
  const Problem problem;
  auto params = problem.initial_params();
  expect_error([&] { optim::Muon(params, optim::MuonOptions(0.02)); },
               {"Muon only supports 2-D parameters", "param 1 of param group 0", "[3]", "AdamW"});
  const std::vector<at::Tensor> weights{params[0], params[2]};
  expect_error([&] { optim::Muon(weights, optim::MuonOptions(0.02).adjust_lr_fn("rms")); },
               {"adjust_lr_fn 'rms' is not supported"});
  expect_error([&] { optim::Muon(weights, optim::MuonOptions(0.02).ns_steps(100)); }, {"ns_steps", "100"});
  expect_error([&] { optim::Muon(weights, optim::MuonOptions(0.02).momentum(-0.5)); },
               {"invalid momentum value: -0.5", "[0, 1)"});
  optim::Muon muon(weights, optim::MuonOptions(0.02));
  muon.add_param_group(torch::optim::OptimizerParamGroup({params[1]}));
  problem.set_grads(params, 0);
  const at::Tensor w1 = params[0].detach().clone();
  expect_error([&] { muon.step(); }, {"Muon only supports 2-D parameters"});
  EXPECT_TRUE(at::equal(params[0], w1));  // nothing moved
}

}  // namespace
}  // namespace testing
}  // namespace gradus

namespace gradus {
namespace testing {
namespace {

// SparseAdam on torch::nn::Embedding with sparse(true): it trains, touches
// only the rows a batch used, and resumes exactly from a saved file.
struct EmbeddingRegression {
  torch::nn::Embedding table{torch::nn::EmbeddingOptions(20, 4).sparse(true)};
  optim::SparseAdam optimizer{table->parameters(), optim::SparseAdamOptions(0.05)};
  EmbeddingRegression() {
    torch::NoGradGuard no_grad;
    table->weight.copy_(at::linspace(-1, 1, 80, at::kFloat).reshape({20, 4}));
  }
  // Rows 3s % 20 and (3s + 7) % 20 regress towards sin of their index.
  double step(int64_t s) {
    const at::Tensor rows = at::tensor({(3 * s) % 20, (3 * s + 7) % 20}, at::kLong);
    const at::Tensor target = at::sin(rows.to(at::kFloat)).unsqueeze(1).expand({2, 4});
    optimizer.zero_grad();
    at::Tensor loss = (table->forward(rows) - target).pow(2).mean();
    loss.backward();
    optimizer.step();
    return loss.item<double>();
  }
};

TEST(SparseAdam, TrainsAnEmbeddingTouchingOnlyItsRowsAndResumesExactly) {
  EmbeddingRegression model;
  const at::Tensor start = model.table->weight.detach().clone();
  model.step(0);  // rows 0 and 7
  const at::Tensor moved = (model.table->weight.detach() != start).any(1);
  EXPECT_TRUE(moved[0].item<bool>() && moved[7].item<bool>());
  EXPECT_EQ(moved.sum().item<int64_t>(), 2) << "only the rows the batch used";
  double first = 0, last = 0;  // mean losses of steps 1-19 and 150-199
  for (int64_t s = 1; s < 200; ++s) {
    const double loss = model.step(s);
    if (s < 20) first += loss / 19;
    if (s >= 150) last += loss / 50;
  }
  EXPECT_LT(last, first / 10) << "the loss fell tenfold";  // PyTorch's SparseAdam: 0.961 to 0.063

  EmbeddingRegression a, b;
  for (int64_t s = 0; s < 50; ++s) a.step(s);
  const auto path = temp_file("gradus_sparse_adam");
  torch::save(a.optimizer, path.string());
  {
    torch::NoGradGuard no_grad;
    b.table->weight.copy_(a.table->weight);
  }
  torch::load(b.optimizer, path.string());
  fs::remove(path);
  for (int64_t s = 50; s < 100; ++s) EXPECT_EQ(a.step(s), b.step(s)) << "step " << s;
  EXPECT_TRUE(at::equal(a.table->weight, b.table->weight));
}

TEST(SparseAdam, RefusesDenseGradientsAndBadOptionsByName) {
  at::Tensor w = at::ones({5, 2}, at::kDouble).set_requires_grad(true);
  optim::SparseAdam sparse_adam({w});
  w.mutable_grad() = at::ones({5, 2}, at::kDouble);
  expect_error([&] { sparse_adam.step(); }, {"SparseAdam", "does not support dense gradients", "param 0"});
  EXPECT_TRUE(at::equal(w, at::ones({5, 2}, at::kDouble)));
  expect_error([&] { optim::SparseAdam({w}, optim::SparseAdamOptions(0)); }, {"invalid learning rate: 0"});
  expect_error([&] { optim::SparseAdam({w}, optim::SparseAdamOptions(0.1).eps(0)); }, {"invalid epsilon value: 0"});
  expect_error([&] { optim::SparseAdam({w}, optim::SparseAdamOptions(0.1).betas(std::make_tuple(0.9, 1.0))); },
               {"beta parameter at index 1: 1"});
  optim::Adam adam({w});
  w.mutable_grad() = at::ones({5, 2}, at::kDouble).to_sparse();
  expect_error([&] { adam.step(); }, {"does not support sparse gradients"});
}

}  // namespace
}  // namespace testing
}  // namespace gradus
