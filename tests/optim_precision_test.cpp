// Parameter dtypes and layouts beyond float/double-contiguous, and the AMP
// arguments of the operators.
#include <gradus/gradus.h>
#include <gtest/gtest.h>
#include <torch/optim/sgd.h>

#include "support/optimizer_zoo.h"
#include "support/trajectory.h"

namespace gradus {
namespace testing {
namespace {

// half/bfloat16 parameters with float math and float state follow a float
// run that rounds its parameters to the same dtype after every step, fed the
// same rounded gradients, to within a few units of the dtype's rounding.
void expect_reduced_tracks_float(const OptimizerFactory& f, at::ScalarType dtype, double ulps) {
  const Problem problem(16, 32, 4, 64);
  auto reference = problem.initial_params(at::kFloat);
  std::vector<at::Tensor> low;
  for (auto& p : reference) {
    p.detach().copy_(p.to(dtype).to(at::kFloat));
    low.push_back(p.detach().to(dtype).set_requires_grad(true));
  }
  auto ref_opt = f.make(GroupList{torch::optim::OptimizerParamGroup(reference)});
  auto low_opt = f.make(GroupList{torch::optim::OptimizerParamGroup(low)});
  const double epsilon = dtype == at::kHalf ? 1.0 / 1024 : 1.0 / 128;
  double worst = 0;
  for (int64_t s = 0; s < 100; ++s) {
    problem.set_grads(reference, s);
    for (size_t i = 0; i < low.size(); ++i) {
      low[i].mutable_grad() = reference[i].grad().to(dtype);
      reference[i].mutable_grad() = low[i].grad().to(at::kFloat);
    }
    ref_opt->step();
    low_opt->step();
    for (auto& p : reference) p.detach().copy_(p.to(dtype).to(at::kFloat));
    worst = std::max(worst, max_relative_diff(flatten(low).unsqueeze(0), flatten(reference).unsqueeze(0)));
  }
  EXPECT_LE(worst, ulps * epsilon) << f.name << " " << dtype;
  EXPECT_EQ(low[0].scalar_type(), dtype);
}

TEST(ReducedPrecision, HalfAndBFloat16FollowFloatMath) {
  for (const auto& f : all_optimizers()) {
    if (!f.float_math) continue;
    expect_reduced_tracks_float(f, at::kHalf, 4);
    expect_reduced_tracks_float(f, at::kBFloat16, 4);
  }
}

TEST(ReducedPrecision, StateIsFloat) {
  at::Tensor p = at::ones({10}, at::kBFloat16).set_requires_grad(true);
  p.mutable_grad() = at::ones({10}, at::kBFloat16);
  optim::Adam adam({p});
  adam.step();
  const auto& state = static_cast<optim::AdamParamState&>(*adam.state().begin()->second);
  EXPECT_EQ(state.exp_avg().scalar_type(), at::kFloat);
}

TEST(Layout, NonContiguousParameterMatchesBuiltin) {
  auto make = [] {
    at::Tensor base = at::arange(48, at::kDouble).reshape({6, 8}).sin();
    at::Tensor p = at::empty_strided({8, 6}, {1, 8}, at::kDouble);  // a transposed leaf
    p.copy_(base.t());
    return p.set_requires_grad(true);
  };
  at::Tensor a = make(), b = make();
  ASSERT_FALSE(a.is_contiguous());
  optim::SGD gradus_sgd({a}, optim::SGDOptions(0.1).momentum(0.9));
  torch::optim::SGD builtin_sgd({b}, torch::optim::SGDOptions(0.1).momentum(0.9));
  for (int s = 0; s < 10; ++s) {
    a.mutable_grad() = a.detach().cos();
    b.mutable_grad() = b.detach().cos();
    gradus_sgd.step();
    builtin_sgd.step();
  }
  EXPECT_LE((a - b).abs().max().item<double>(), 1e-14);
  EXPECT_FALSE(a.is_contiguous());
}

TEST(Amp, FoundInfSkipsTheWholeStep) {
  at::Tensor p = at::ones({5}), g = at::full({5}, 0.5), m = at::zeros({5}), v = at::zeros({5});
  at::Tensor step = at::zeros({}, at::kFloat);
  ops::AdamHyper hyper;
  hyper.lr = 0.1;
  ops::fused_step({{p}, {g}, {{m}, {v}, {}}, {step}}, hyper, {at::Tensor(), at::ones({}), at::ones({})});
  EXPECT_TRUE(at::equal(p, at::ones({5})));
  EXPECT_EQ(step.item<float>(), 0.0f);
  EXPECT_TRUE(at::equal(m, at::zeros({5})));
}

TEST(Amp, GradScaleUnscalesGradientsInPlace) {
  at::Tensor p1 = at::ones({37}), m1 = at::zeros({37}), v1 = at::zeros({37});
  at::Tensor p2 = p1.clone(), m2 = m1.clone(), v2 = v1.clone();
  at::Tensor scaled = at::linspace(-4, 4, 37), unscaled = scaled / 8;
  at::Tensor s1 = at::zeros({}, at::kFloat), s2 = at::zeros({}, at::kFloat);
  ops::AdamHyper hyper;
  hyper.lr = 0.1;
  ops::fused_step({{p1}, {scaled}, {{m1}, {v1}, {}}, {s1}}, hyper, {at::Tensor(), at::full({}, 8.0), at::zeros({})});
  ops::fused_step({{p2}, {unscaled}, {{m2}, {v2}, {}}, {s2}}, hyper);
  EXPECT_TRUE(at::allclose(p1, p2, 1e-6, 0));
  EXPECT_TRUE(at::allclose(scaled, unscaled));
}

}  // namespace
}  // namespace testing
}  // namespace gradus
