// The CUDA kernels against the CPU ones and LibTorch's built-in optimizers on
// CUDA: whole 200-step trajectories, every optimizer, every dtype. Built only
// when Torch has CUDA; run by scripts/gpu-check.sh.
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <gradus/gradus.h>
#include <gtest/gtest.h>
#include <torch/cuda.h>
#include <torch/optim/adagrad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

#include "support/optimizer_zoo.h"
#include "support/trajectory.h"

namespace gradus {
namespace testing {
namespace {

constexpr int64_t kSteps = 200;

at::Tensor trajectory(const OptimizerFactory& f, at::ScalarType dtype, at::Device device) {
  const Problem problem(16, 32, 4, 64);
  auto params = problem.initial_params(dtype, device);
  auto optimizer = f.make(GroupList{torch::optim::OptimizerParamGroup(params)});
  return run_trajectory(*optimizer, params, problem, kSteps);
}

class Cuda : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  }
};

TEST_F(Cuda, EveryOptimizerFollowsTheCpuTrajectory) {
  for (const auto& f : all_optimizers()) {
    for (auto dtype : {at::kDouble, at::kFloat}) {
      const double diff = max_relative_diff(trajectory(f, dtype, at::kCUDA), trajectory(f, dtype, at::kCPU));
      EXPECT_LE(diff, dtype == at::kDouble ? 1e-10 : 2e-5) << f.name << " " << dtype;
    }
  }
}

// half/bfloat16 parameters: one update from the same state, against float math.
TEST_F(Cuda, ReducedPrecisionWithinRounding) {
  for (const auto& f : all_optimizers()) {
    if (!f.float_math) continue;
    for (auto dtype : {at::kHalf, at::kBFloat16}) {
      at::Tensor p32 = at::linspace(-1, 1, 100003, at::kFloat);
      at::Tensor g32 = at::cos(at::arange(100003, at::kFloat));
      at::Tensor p = p32.to(at::kCUDA, dtype).set_requires_grad(true);
      at::Tensor reference = p32.to(dtype).to(at::kFloat).set_requires_grad(true);
      p.mutable_grad() = g32.to(at::kCUDA, dtype);
      reference.mutable_grad() = g32.to(dtype).to(at::kFloat);
      auto low = f.make(GroupList{torch::optim::OptimizerParamGroup({p})});
      auto ref = f.make(GroupList{torch::optim::OptimizerParamGroup({reference})});
      for (int s = 0; s < 20; ++s) {
        low->step();
        ref->step();
        reference.detach().copy_(reference.to(dtype).to(at::kFloat));
      }
      const double ulp = dtype == at::kHalf ? 1.0 / 1024 : 1.0 / 128;
      EXPECT_LE(max_relative_diff(p.cpu().to(at::kDouble).unsqueeze(0), reference.to(at::kDouble).unsqueeze(0)),
                4 * ulp) << f.name << " " << dtype;
    }
  }
}

template <class Builtin, class Options, class Gradus, class GOptions>
void expect_matches_builtin_on_cuda(Options bo, GOptions go, const char* name) {
  const Problem problem(16, 32, 4, 64);
  auto a = problem.initial_params(at::kDouble, at::kCUDA), b = problem.initial_params(at::kDouble, at::kCUDA);
  Builtin builtin(b, bo);
  Gradus gradus_opt(a, go);
  at::Tensor expected = run_trajectory(builtin, b, problem, kSteps);
  at::Tensor actual = run_trajectory(gradus_opt, a, problem, kSteps);
  EXPECT_LE(max_relative_diff(actual, expected), 1e-10) << name;
}

TEST_F(Cuda, MatchesTheBuiltinOptimizersOnCuda) {
  expect_matches_builtin_on_cuda<torch::optim::SGD, torch::optim::SGDOptions, optim::SGD, optim::SGDOptions>(
      torch::optim::SGDOptions(0.05).momentum(0.9).nesterov(true).weight_decay(0.01),
      optim::SGDOptions(0.05).momentum(0.9).nesterov(true).weight_decay(0.01), "SGD");
  expect_matches_builtin_on_cuda<torch::optim::Adam, torch::optim::AdamOptions, optim::Adam, optim::AdamOptions>(
      torch::optim::AdamOptions(0.003).amsgrad(true).weight_decay(0.01),
      optim::AdamOptions(0.003).amsgrad(true).weight_decay(0.01), "Adam");
  expect_matches_builtin_on_cuda<torch::optim::AdamW, torch::optim::AdamWOptions, optim::AdamW, optim::AdamWOptions>(
      torch::optim::AdamWOptions(0.003), optim::AdamWOptions(0.003), "AdamW");
  expect_matches_builtin_on_cuda<torch::optim::Adagrad, torch::optim::AdagradOptions, optim::Adagrad,
                                 optim::AdagradOptions>(torch::optim::AdagradOptions(0.05).lr_decay(0.01),
                                                        optim::AdagradOptions(0.05).lr_decay(0.01), "Adagrad");
  expect_matches_builtin_on_cuda<torch::optim::RMSprop, torch::optim::RMSpropOptions, optim::RMSprop,
                                 optim::RMSpropOptions>(torch::optim::RMSpropOptions(0.001).centered(true).momentum(0.5),
                                                        optim::RMSpropOptions(0.001).centered(true).momentum(0.5),
                                                        "RMSprop");
}

// A capturable step(), captured once in a CUDA graph and replayed with
// new gradients and a scheduled lr, follows the eager trajectory.
TEST_F(Cuda, GraphCapturedStepFollowsTheEagerTrajectory) {
  const Problem problem(16, 32, 4, 64);
  auto eager_params = problem.initial_params(at::kFloat, at::kCUDA);
  auto graph_params = problem.initial_params(at::kFloat, at::kCUDA);
  const auto options = optim::AdamOptions(0.01).weight_decay(0.01);
  optim::Adam eager(eager_params, options);
  auto capturable = options;
  capturable.capturable(true);
  optim::Adam captured(graph_params, capturable);
  schedulers::LinearDecay eager_schedule(eager, 60), graph_schedule(captured, 60);

  // The graph reads gradients from fixed buffers: new ones are copied in.
  std::vector<at::Tensor> grad_buffers;
  for (const auto& p : graph_params) grad_buffers.push_back(at::zeros_like(p));
  auto load_grads = [&](int64_t s) {
    problem.set_grads(graph_params, s);
    for (size_t i = 0; i < graph_params.size(); ++i) {
      grad_buffers[i].copy_(graph_params[i].grad());
      graph_params[i].mutable_grad() = grad_buffers[i];
    }
  };
  auto side = c10::cuda::getStreamFromPool();
  at::cuda::CUDAGraph graph;
  for (int64_t s = 0; s < 60; ++s) {
    problem.set_grads(eager_params, s);
    eager.step();
    eager_schedule.step();
    load_grads(s);
    torch::cuda::synchronize();
    if (s == 0) {  // an eager step creates the state; then capture one step
      {
        c10::cuda::CUDAStreamGuard guard(side);
        captured.step();
      }
      torch::cuda::synchronize();
      graph_schedule.step();
      c10::cuda::CUDAStreamGuard guard(side);
      graph.capture_begin();
      captured.step();
      graph.capture_end();
    } else {
      graph.replay();
      graph_schedule.step();  // fills the lr tensor the graph reads
    }
  }
  torch::cuda::synchronize();
  EXPECT_LE(max_relative_diff(flatten(graph_params).unsqueeze(0), flatten(eager_params).unsqueeze(0)), 2e-5);
  EXPECT_NEAR(captured.param_groups()[0].options().get_lr(), eager.param_groups()[0].options().get_lr(), 1e-12);
}

TEST_F(Cuda, FoundInfSkipsTheStepWithoutHostSync) {
  at::Tensor p = at::ones({1000}, at::kCUDA), g = at::ones({1000}, at::kCUDA);
  at::Tensor m = at::zeros({1000}, at::kCUDA), v = at::zeros({1000}, at::kCUDA);
  at::Tensor step = at::zeros({}, at::TensorOptions().dtype(at::kFloat).device(at::kCUDA));
  ops::AdamHyper hyper;
  hyper.lr = 0.1;
  const auto cuda_float = at::TensorOptions().dtype(at::kFloat).device(at::kCUDA);
  ops::fused_step({{p}, {g}, {{m}, {v}, {}}, {step}}, hyper,
                  {at::Tensor(), at::ones({}, cuda_float), at::ones({}, cuda_float)});
  EXPECT_TRUE(at::equal(p.cpu(), at::ones({1000})));
  EXPECT_EQ(step.item<float>(), 0.0f);
}

// A device lr the host can't read without a sync: NaN, infinite or negative
// moves nothing (parameters, moments, step count), as a found inf does.
TEST_F(Cuda, BadDeviceLrMovesNothing) {
  const auto cuda_float = at::TensorOptions().dtype(at::kFloat).device(at::kCUDA);
  for (const float bad : {std::nanf(""), -0.1f, INFINITY}) {
    at::Tensor p = at::ones({1000}, cuda_float), g = at::ones({1000}, cuda_float);
    at::Tensor m = at::zeros({1000}, cuda_float), v = at::zeros({1000}, cuda_float);
    at::Tensor step = at::zeros({}, cuda_float);
    ops::AdamHyper hyper;
    ops::fused_step({{p}, {g}, {{m}, {v}, {}}, {step}}, hyper, {at::full({}, bad, cuda_float), at::Tensor(), at::Tensor()});
    EXPECT_TRUE(at::equal(p.cpu(), at::ones({1000}))) << "lr " << bad;
    EXPECT_TRUE(at::equal(m.cpu(), at::zeros({1000}))) << "lr " << bad;
    EXPECT_EQ(step.item<float>(), 0.0f) << "lr " << bad;
    // The same call with a good device lr moves.
    ops::fused_step({{p}, {g}, {{m}, {v}, {}}, {step}}, hyper, {at::full({}, 0.1f, cuda_float), at::Tensor(), at::Tensor()});
    EXPECT_EQ(step.item<float>(), 1.0f);
    EXPECT_FALSE(at::equal(p.cpu(), at::ones({1000})));
  }
}

// Low-precision formats (gradus/optim/precision.h) on CUDA and on the CPU,
// from the same params and gradients. SGD with momentum 0.5 and a
// power-of-two lr: every product of its math is exact, so the float math
// rounds alike with or without fused multiply-adds, and the formats must
// store the same bits: int8 and bfloat16 state, Kahan summation, and
// stochastic rounding (the same Philox words on both).
struct FormatCase {
  optim::StatePrecision precision;
  at::ScalarType dtype;
  optim::Compensation compensation;
};

std::string name_of(const FormatCase& c) {
  return std::string(optim::to_string(c.precision)) + " state, " + c10::toString(c.dtype) + " params, " +
         optim::to_string(c.compensation);
}

struct FormatRun {
  std::vector<at::Tensor> params;
  std::unique_ptr<optim::SGD> sgd;
};

// 70,000 elements (two CUDA chunks, a partial last int8 block), 10,000 and
// 10 (under state_precision_min_numel: float32 state).
FormatRun format_run(const FormatCase& c, at::Device device, int steps, const optim::SGDOptions& options) {
  at::manual_seed(11);
  FormatRun run;
  for (int64_t n : {70000, 10000, 10}) run.params.push_back((at::randn({n}) * 4).to(device, c.dtype).set_requires_grad(true));
  auto o = options;
  o.state_precision(c.precision).compensation(c.compensation).rounding_seed(99);
  run.sgd = std::make_unique<optim::SGD>(run.params, o);
  for (int s = 0; s < steps; ++s) {
    at::manual_seed(100 + s);  // the same gradients on both devices
    for (auto& p : run.params) p.mutable_grad() = at::randn(p.sizes()).to(device, c.dtype);
    run.sgd->step();
  }
  return run;
}

const std::vector<FormatCase>& format_cases() {
  using optim::Compensation;
  using optim::StatePrecision;
  static const std::vector<FormatCase> all = {
      {StatePrecision::int8, at::kFloat, Compensation::none},
      {StatePrecision::bfloat16, at::kFloat, Compensation::none},
      {StatePrecision::int8, at::kBFloat16, Compensation::kahan},
      {StatePrecision::float32, at::kHalf, Compensation::kahan},
      {StatePrecision::float32, at::kBFloat16, Compensation::stochastic_rounding},
      {StatePrecision::int8, at::kHalf, Compensation::stochastic_rounding}};
  return all;
}

TEST_F(Cuda, LowPrecisionFormatsGiveTheCpuBits) {
  const auto options = optim::SGDOptions(1.0 / 64).momentum(0.5);
  for (const FormatCase& c : format_cases()) {
    const FormatRun gpu = format_run(c, at::kCUDA, 20, options), cpu = format_run(c, at::kCPU, 20, options);
    for (size_t i = 0; i < cpu.params.size(); ++i) {
      EXPECT_TRUE(at::equal(gpu.params[i].cpu(), cpu.params[i])) << name_of(c) << ": params[" << i << "]";
      auto* gs = static_cast<optim::SGDParamState*>(gpu.sgd->state_of(gpu.params[i]));
      auto* cs = static_cast<optim::SGDParamState*>(cpu.sgd->state_of(cpu.params[i]));
      ASSERT_TRUE(gs != nullptr && cs != nullptr) << name_of(c);
      for (size_t k = 0; k < optim::SGDParamState::Hyper::slots().size(); ++k) {
        ASSERT_EQ(gs->slot(k).defined(), cs->slot(k).defined());
        if (!cs->slot(k).defined()) continue;
        EXPECT_TRUE(at::equal(gs->slot(k).cpu(), cs->slot(k))) << name_of(c) << ": params[" << i << "], slot " << k;
      }
    }
  }
}

// Adam's sqrt and division: CUDA and the CPU may round its math a bit apart,
// and an int8 code may then differ by one step (1/16), not more.
TEST_F(Cuda, LowPrecisionStateFollowsTheCpuTrajectory) {
  for (const auto precision : {optim::StatePrecision::bfloat16, optim::StatePrecision::int8}) {
    auto run = [&](at::Device device) {
      at::manual_seed(5);
      std::vector<at::Tensor> params = {at::randn({70000}).to(device).set_requires_grad(true)};
      optim::Adam adam(params, optim::AdamOptions(1e-3).state_precision(precision));
      for (int s = 0; s < 50; ++s) {
        at::manual_seed(200 + s);
        params[0].mutable_grad() = at::randn({70000}).to(device);
        adam.step();
      }
      return params[0].detach().cpu();
    };
    const at::Tensor gpu = run(at::kCUDA), cpu = run(at::kCPU);
    // 50 steps of at most lr each; a one-step code difference moves a step by about 1/16 of it.
    EXPECT_LE((gpu - cpu).abs().max().item<double>(), 50 * 1e-3 / 8) << optim::to_string(precision);
  }
}

}  // namespace
}  // namespace testing
}  // namespace gradus
