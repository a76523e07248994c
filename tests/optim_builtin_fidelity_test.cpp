// Each gradus optimizer against LibTorch's built-in one, over a grid of every
// option combination, in double and float: whole 200-step trajectories of a
// small network trained with real gradients.
#include <gradus/optim/adagrad.h>
#include <gradus/optim/adam.h>
#include <gradus/optim/adamw.h>
#include <gradus/optim/rmsprop.h>
#include <gradus/optim/sgd.h>
#include <gtest/gtest.h>
#include <torch/optim/adagrad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

#include <functional>
#include <memory>
#include <sstream>

#include "support/trajectory.h"

namespace gradus {
namespace testing {
namespace {

constexpr int64_t kSteps = 200;
// Learning rates are kept where the trajectory is not chaotic: at lr 0.005,
// RMSprop with alpha 0.9, momentum and weight decay amplifies a one-ulp
// difference (ATen's kernels use fused multiply-add on AVX-512 machines)
// to 1e-8 within 200 steps, for any two implementations.
constexpr double kDoubleTolerance = 1e-10;
// float: the kernels round where ATen rounds, but a trajectory through a
// matmul-based loss still parts by a few ulps over 200 steps.
constexpr double kFloatTolerance = 2e-6;

using MakeOptimizer =
    std::function<std::unique_ptr<torch::optim::Optimizer>(const std::vector<at::Tensor>&)>;

at::Tensor trajectory_of(const MakeOptimizer& make, at::ScalarType dtype) {
  const Problem problem(16, 32, 4, 64);
  auto params = problem.initial_params(dtype);
  auto optimizer = make(params);
  return run_trajectory(*optimizer, params, problem, kSteps);
}

void expect_matches_builtin(const MakeOptimizer& gradus_make, const MakeOptimizer& builtin_make,
                            const std::string& label) {
  for (auto dtype : {at::kDouble, at::kFloat}) {
    const double diff = max_relative_diff(trajectory_of(gradus_make, dtype),
                                          trajectory_of(builtin_make, dtype));
    const double tolerance = dtype == at::kDouble ? kDoubleTolerance : kFloatTolerance;
    EXPECT_LE(diff, tolerance) << label << " dtype " << dtype;
  }
}

template <class Optimizer, class Options>
MakeOptimizer maker(Options options) {
  return [options](const std::vector<at::Tensor>& params) {
    return std::make_unique<Optimizer>(params, options);
  };
}

TEST(BuiltinFidelity, SGD) {
  int cases = 0;
  for (double momentum : {0.0, 0.9}) {
    for (double dampening : {0.0, 0.3}) {
      for (bool nesterov : {false, true}) {
        for (double weight_decay : {0.0, 0.01}) {
          if (nesterov && (momentum == 0 || dampening != 0)) continue;
          std::ostringstream label;
          label << "momentum " << momentum << " dampening " << dampening << " nesterov "
                << nesterov << " weight_decay " << weight_decay;
          expect_matches_builtin(
              maker<optim::SGD>(optim::SGDOptions(0.05).momentum(momentum).dampening(dampening)
                                    .nesterov(nesterov).weight_decay(weight_decay)),
              maker<torch::optim::SGD>(torch::optim::SGDOptions(0.05).momentum(momentum)
                                           .dampening(dampening).nesterov(nesterov)
                                           .weight_decay(weight_decay)),
              label.str());
          ++cases;
        }
      }
    }
  }
  EXPECT_EQ(cases, 10);
}

// Adam and AdamW share options; the same grid covers both.
template <class GradusOpt, class GradusOptions, class BuiltinOpt, class BuiltinOptions>
void adam_grid() {
  for (double weight_decay : {0.0, 0.02}) {
    for (bool amsgrad : {false, true}) {
      for (auto betas : {std::make_tuple(0.9, 0.999), std::make_tuple(0.8, 0.9)}) {
        for (double eps : {1e-8, 1e-3}) {
          std::ostringstream label;
          label << "weight_decay " << weight_decay << " amsgrad " << amsgrad << " beta1 "
                << std::get<0>(betas) << " eps " << eps;
          expect_matches_builtin(
              maker<GradusOpt>(GradusOptions(0.003).weight_decay(weight_decay).amsgrad(amsgrad)
                                   .betas(betas).eps(eps)),
              maker<BuiltinOpt>(BuiltinOptions(0.003).weight_decay(weight_decay).amsgrad(amsgrad)
                                    .betas(betas).eps(eps)),
              label.str());
        }
      }
    }
  }
}

TEST(BuiltinFidelity, Adam) {
  adam_grid<optim::Adam, optim::AdamOptions, torch::optim::Adam, torch::optim::AdamOptions>();
}

TEST(BuiltinFidelity, AdamW) {
  adam_grid<optim::AdamW, optim::AdamWOptions, torch::optim::AdamW, torch::optim::AdamWOptions>();
}

TEST(BuiltinFidelity, Adagrad) {
  for (double lr_decay : {0.0, 0.01}) {
    for (double weight_decay : {0.0, 0.02}) {
      for (double initial : {0.0, 0.1}) {
        for (double eps : {1e-10, 1e-4}) {
          std::ostringstream label;
          label << "lr_decay " << lr_decay << " weight_decay " << weight_decay
                << " initial_accumulator_value " << initial << " eps " << eps;
          expect_matches_builtin(
              maker<optim::Adagrad>(optim::AdagradOptions(0.05).lr_decay(lr_decay)
                                        .weight_decay(weight_decay)
                                        .initial_accumulator_value(initial).eps(eps)),
              maker<torch::optim::Adagrad>(torch::optim::AdagradOptions(0.05).lr_decay(lr_decay)
                                               .weight_decay(weight_decay)
                                               .initial_accumulator_value(initial).eps(eps)),
              label.str());
        }
      }
    }
  }
}

TEST(BuiltinFidelity, RMSprop) {
  for (bool centered : {false, true}) {
    for (double momentum : {0.0, 0.5}) {
      for (double weight_decay : {0.0, 0.02}) {
        for (double alpha : {0.99, 0.9}) {
          std::ostringstream label;
          label << "centered " << centered << " momentum " << momentum << " weight_decay "
                << weight_decay << " alpha " << alpha;
          expect_matches_builtin(
              maker<optim::RMSprop>(optim::RMSpropOptions(0.001).centered(centered)
                                        .momentum(momentum).weight_decay(weight_decay)
                                        .alpha(alpha).eps(1e-6)),
              maker<torch::optim::RMSprop>(torch::optim::RMSpropOptions(0.001).centered(centered)
                                               .momentum(momentum).weight_decay(weight_decay)
                                               .alpha(alpha).eps(1e-6)),
              label.str());
        }
      }
    }
  }
}

// A parameter large enough to be split across threads and to leave a scalar
// tail (70001 elements) still follows the built-in update exactly in double.
TEST(BuiltinFidelity, LargeTensorSplitAcrossThreads) {
  auto make_param = [] {
    return at::sin(at::arange(70001, at::kDouble) * 0.01).set_requires_grad(true);
  };
  at::Tensor a = make_param(), b = make_param();
  optim::Adam gradus_adam({a}, optim::AdamOptions(0.01).amsgrad(true).weight_decay(0.01));
  torch::optim::Adam builtin_adam({b}, torch::optim::AdamOptions(0.01).amsgrad(true).weight_decay(0.01));
  for (int s = 0; s < 20; ++s) {
    a.mutable_grad() = at::cos(a.detach() * (s + 1));
    b.mutable_grad() = at::cos(b.detach() * (s + 1));
    gradus_adam.step();
    builtin_adam.step();
  }
  EXPECT_LE((a - b).abs().max().item<double>(), 1e-12);
}

}  // namespace
}  // namespace testing
}  // namespace gradus
