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
         EXPECT_EQ(g.ctor.at("clip_lambda"), "step**0.25");
         const Options& o = g.groups.at(0);
         return std::make_unique<optim::ADOPT>(params, optim::ADOPTOptions(number_of(o, "lr"))
                                                           .betas(pair_of(o, "betas"))
                                                           .eps(number_of(o, "eps"))
                                                           .weight_decay(number_of(o, "weight_decay"))
                                                           .decouple(flag_of(o, "decouple"))
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

class ReferenceTrajectory : public ::testing::TestWithParam<std::string> {};

TEST_P(ReferenceTrajectory, EveryStepWithin1e10) {
  const ReferenceGolden g = read_reference_golden(GetParam());
  ASSERT_EQ(g.groups.size(), 1u) << "these cases have one param group";
  std::vector<at::Tensor> params;
  for (const at::Tensor& start : g.trajectory[0]) params.push_back(start.clone().set_requires_grad(true));
  OptimizerPtr optimizer = builders().at(g.optimizer)(g, params);
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
}

std::vector<std::string> files_with_a_builder() {
  std::vector<std::string> files;
  for (const std::string& f : reference_golden_files()) {
    if (builders().count(read_reference_golden(f).optimizer)) files.push_back(f);
  }
  return files;
}

INSTANTIATE_TEST_SUITE_P(Golden, ReferenceTrajectory, ::testing::ValuesIn(files_with_a_builder()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return read_reference_golden(info.param).name;
                         });

}  // namespace
}  // namespace testing
}  // namespace gradus
