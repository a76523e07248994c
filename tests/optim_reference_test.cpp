// The optimizers of their authors' code (Lion, Schedule-Free, ADOPT, AdEMAMix,
// LAMB, LARS) against golden trajectories that code produced
// (tests/golden/reference/): every step of every parameter, to 1e-10
// relative with an absolute floor of 1e-12.
#include <gradus/gradus.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>

#include "support/reference_golden.h"

namespace gradus {
namespace testing {
namespace {

using OptimizerPtr = std::unique_ptr<torch::optim::Optimizer>;
using Options = std::map<std::string, std::string>;

std::tuple<double, double> pair_of(const Options& o, const std::string& key) {
  const auto v = numbers_of(o, key);
  EXPECT_EQ(v.size(), 2u) << key;
  return std::make_tuple(v.at(0), v.at(1));
}

// One gradus optimizer per reference class, built from the file's options
// as the reference names them.
using Builder = std::function<OptimizerPtr(const ReferenceGolden&, std::vector<at::Tensor>)>;
const std::map<std::string, Builder>& builders() {
  static const std::map<std::string, Builder> all = {
      {"ADOPT",
       [](const ReferenceGolden& g, std::vector<at::Tensor> params) -> OptimizerPtr {
         // clip_lambda: the reference's default step**0.25, or None (no clip).
         const std::string& clip = g.ctor.at("clip_lambda");
         EXPECT_TRUE(clip == "step**0.25" || clip == "None") << clip;
         const Options& o = g.groups.at(0);
         return std::make_unique<optim::ADOPT>(params, optim::ADOPTOptions(number_of(o, "lr"))
                                                           .betas(pair_of(o, "betas"))
                                                           .eps(number_of(o, "eps"))
                                                           .weight_decay(number_of(o, "weight_decay"))
                                                           .decouple(flag_of(o, "decouple"))
                                                           .clip(clip != "None")
                                                           .maximize(flag_of(o, "maximize")));
       }},
      {"AdEMAMix",
       [](const ReferenceGolden& g, std::vector<at::Tensor> params) -> OptimizerPtr {
         const Options& o = g.groups.at(0);
         const auto b = numbers_of(o, "betas");
         auto warmup = [&](const char* key) { return o.at(key) == "None" ? 0.0 : number_of(o, key); };
         return std::make_unique<optim::AdEMAMix>(params, optim::AdEMAMixOptions(number_of(o, "lr"))
                                                              .betas(std::make_tuple(b.at(0), b.at(1), b.at(2)))
                                                              .alpha(number_of(o, "alpha"))
                                                              .beta3_warmup(warmup("beta3_warmup"))
                                                              .alpha_warmup(warmup("alpha_warmup"))
                                                              .eps(number_of(o, "eps"))
                                                              .weight_decay(number_of(o, "weight_decay")));
       }},
      {"Lamb",
       [](const ReferenceGolden& g, std::vector<at::Tensor> params) -> OptimizerPtr {
         const Options& o = g.groups.at(0);
         return std::make_unique<optim::LAMB>(params, optim::LAMBOptions(number_of(o, "lr"))
                                                          .betas(pair_of(o, "betas"))
                                                          .eps(number_of(o, "eps"))
                                                          .weight_decay(number_of(o, "weight_decay"))
                                                          .adam(flag_of(g.ctor, "adam")));
       }},
      {"LARC",
       [](const ReferenceGolden& g, std::vector<at::Tensor> params) -> OptimizerPtr {
         const Options& o = g.groups.at(0);
         return std::make_unique<optim::LARS>(params, optim::LARSOptions(number_of(o, "lr"))
                                                          .momentum(number_of(o, "momentum"))
                                                          .dampening(number_of(o, "dampening"))
                                                          .weight_decay(number_of(o, "weight_decay"))
                                                          .nesterov(flag_of(o, "nesterov"))
                                                          .maximize(flag_of(o, "maximize"))
                                                          .trust_coefficient(number_of(g.ctor, "trust_coefficient"))
                                                          .clip(flag_of(g.ctor, "clip"))
                                                          .eps(number_of(g.ctor, "eps")));
       }},
      {"SGDScheduleFree",
       [](const ReferenceGolden& g, std::vector<at::Tensor> params) -> OptimizerPtr {
         const Options& o = g.groups.at(0);
         return std::make_unique<optim::SGDScheduleFree>(params, optim::SGDScheduleFreeOptions(number_of(o, "lr"))
                                                                     .momentum(number_of(o, "momentum"))
                                                                     .weight_decay(number_of(o, "weight_decay"))
                                                                     .warmup_steps(number_of(o, "warmup_steps"))
                                                                     .r(number_of(o, "r"))
                                                                     .weight_lr_power(number_of(o, "weight_lr_power")));
       }},
      {"AdamWScheduleFree",
       [](const ReferenceGolden& g, std::vector<at::Tensor> params) -> OptimizerPtr {
         const Options& o = g.groups.at(0);
         return std::make_unique<optim::AdamWScheduleFree>(
             params, optim::AdamWScheduleFreeOptions(number_of(o, "lr"))
                         .betas(pair_of(o, "betas"))
                         .eps(number_of(o, "eps"))
                         .weight_decay(number_of(o, "weight_decay"))
                         .warmup_steps(number_of(o, "warmup_steps"))
                         .r(number_of(o, "r"))
                         .weight_lr_power(number_of(o, "weight_lr_power"))
                         .inner_momentum(number_of(o, "inner_momentum")));
       }},
      {"RAdamScheduleFree",
       [](const ReferenceGolden& g, std::vector<at::Tensor> params) -> OptimizerPtr {
         const Options& o = g.groups.at(0);
         return std::make_unique<optim::RAdamScheduleFree>(
             params, optim::RAdamScheduleFreeOptions(number_of(o, "lr"))
                         .betas(pair_of(o, "betas"))
                         .eps(number_of(o, "eps"))
                         .weight_decay(number_of(o, "weight_decay"))
                         .r(number_of(o, "r"))
                         .weight_lr_power(number_of(o, "weight_lr_power"))
                         .silent_sgd_phase(flag_of(o, "silent_sgd_phase")));
       }},
      {"Lion",
       [](const ReferenceGolden& g, std::vector<at::Tensor> params) -> OptimizerPtr {
         EXPECT_FALSE(flag_of(g.ctor, "decoupled_weight_decay"));
         const Options& o = g.groups.at(0);
         return std::make_unique<optim::Lion>(params, optim::LionOptions(number_of(o, "lr"))
                                                          .betas(pair_of(o, "betas"))
                                                          .weight_decay(number_of(o, "weight_decay")));
       }},
  };
  return all;
}

// Elements of `actual` off `expected` by more than 1e-10 relative and 1e-12 absolute.
int64_t off(const at::Tensor& actual, const at::Tensor& expected) {
  const at::Tensor allowed = (expected.abs() * 1e-10).clamp_min(1e-12);
  return ((actual - expected).abs() > allowed).sum().item<int64_t>();
}

// Schedule-Free's z, the iterate that takes plain steps.
at::Tensor z_of(torch::optim::Optimizer& optimizer, const at::Tensor& param) {
  if (auto* sgd = dynamic_cast<optim::SGDScheduleFree*>(&optimizer)) return sgd->z(param);
  if (auto* adamw = dynamic_cast<optim::AdamWScheduleFree*>(&optimizer)) return adamw->z(param);
  return dynamic_cast<optim::RAdamScheduleFree&>(optimizer).z(param);
}

class ReferenceTrajectory : public ::testing::TestWithParam<std::string> {};

TEST_P(ReferenceTrajectory, EveryStepWithin1e10) {
  const ReferenceGolden g = read_reference_golden(GetParam());
  ASSERT_EQ(g.groups.size(), 1u) << "these cases have one param group";
  std::vector<at::Tensor> params;
  for (const at::Tensor& start : g.trajectory[0]) params.push_back(start.clone().set_requires_grad(true));
  OptimizerPtr optimizer = builders().at(g.optimizer)(g, params);
  // Schedule-Free: train mode for the steps, then x in eval mode.
  auto* modes = dynamic_cast<optim::TrainEvalModes*>(optimizer.get());
  ASSERT_EQ(modes != nullptr, !g.final_eval.empty());
  if (modes) modes->train();
  for (int64_t s = 1; s <= g.steps; ++s) {
    const auto grads = g.gradients(params);
    for (size_t i = 0; i < params.size(); ++i) params[i].mutable_grad() = grads[i];
    optimizer->step();
    for (size_t i = 0; i < params.size(); ++i) {
      ASSERT_EQ(off(params[i].detach(), g.trajectory[s][i]), 0)
          << g.name << " step " << s << " param " << i << ": largest difference "
          << (params[i].detach() - g.trajectory[s][i]).abs().max().item<double>();
    }
  }
  if (!modes) return;
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_EQ(off(z_of(*optimizer, params[i]), g.final_z[i]), 0) << g.name << " z of param " << i;
  }
  modes->eval();
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_EQ(off(params[i].detach(), g.final_eval[i]), 0) << g.name << " x of param " << i;
  }
}

TEST(ReferenceGoldens, EveryFileHasItsOptimizer) {
  const auto files = reference_golden_files();
  EXPECT_EQ(files.size(), 27u);  // 16 shared cases and 11 of scripts/generate_reference_golden.py
  for (const std::string& f : files) EXPECT_EQ(builders().count(read_reference_golden(f).optimizer), 1u) << f;
}

INSTANTIATE_TEST_SUITE_P(Golden, ReferenceTrajectory, ::testing::ValuesIn(reference_golden_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return read_reference_golden(info.param).name;
                         });

}  // namespace
}  // namespace testing
}  // namespace gradus
