// GradScaler and clip_grad_norm_ against PyTorch 2.14's (tests/golden/amp/):
// scale sequence and skips exactly, unscaled and clipped gradients to the
// bit, params within 1e-6 relative; with gradus optimizers (fused unscaling
// and skipping) and LibTorch's (ATen unscaling, skipped on the host). Then
// what PyTorch refuses, and the step path's host reads.
#include <ATen/record_function.h>
#include <gradus/amp.h>
#include <gradus/clip_grad.h>
#include <gradus/gradus.h>
#include <gtest/gtest.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>
#include <torch/serialize.h>
#include <torch/version.h>

#include <atomic>
#include <cmath>
#include <sstream>

#include "support/amp_golden.h"
#include "support/expect_error.h"
#include "support/saved_bytes.h"

namespace gradus {
namespace testing {
namespace {

using OptimizerPtr = std::unique_ptr<torch::optim::Optimizer>;
using Options = std::map<std::string, std::string>;

double number(const Options& o, const std::string& key) { return std::stod(o.at(key)); }
bool flag(const Options& o, const std::string& key) { return o.at(key) == "True"; }
std::tuple<double, double> betas(const Options& o) {
  const std::string& b = o.at("betas");
  return std::make_tuple(std::stod(b.substr(0, b.find(','))), std::stod(b.substr(b.find(',') + 1)));
}

std::vector<at::Tensor> params_of_group(const Options& group, const std::vector<at::Tensor>& params) {
  std::vector<at::Tensor> out;
  std::istringstream in(group.at("params"));
  for (std::string i; std::getline(in, i, ',');) out.push_back(params.at(std::stoul(i)));
  return out;
}

// The run's optimizer, gradus's or LibTorch's, over its groups.
OptimizerPtr make_optimizer(const AmpRun& run, bool gradus, const std::vector<at::Tensor>& params) {
  std::vector<torch::optim::OptimizerParamGroup> groups;
  for (const Options& g : run.groups) {
    std::unique_ptr<torch::optim::OptimizerOptions> options;
    if (run.optimizer == "SGD") {
      if (gradus) {
        options = std::make_unique<optim::SGDOptions>(optim::SGDOptions(number(g, "lr")).momentum(number(g, "momentum"))
                                                          .weight_decay(number(g, "weight_decay")));
      } else {
        options = std::make_unique<torch::optim::SGDOptions>(
            torch::optim::SGDOptions(number(g, "lr")).momentum(number(g, "momentum")).weight_decay(number(g, "weight_decay")));
      }
    } else {
      if (gradus) {
        options = std::make_unique<optim::AdamOptions>(optim::AdamOptions(number(g, "lr")).betas(betas(g))
                                                           .eps(number(g, "eps")).weight_decay(number(g, "weight_decay")));
      } else {
        options = std::make_unique<torch::optim::AdamOptions>(torch::optim::AdamOptions(number(g, "lr")).betas(betas(g))
                                                                  .eps(number(g, "eps")).weight_decay(number(g, "weight_decay")));
      }
    }
    groups.emplace_back(params_of_group(g, params), std::move(options));
  }
  if (run.optimizer == "SGD") {
    if (gradus) return std::make_unique<optim::SGD>(groups, optim::SGDOptions(0.1));
    return std::make_unique<torch::optim::SGD>(groups, torch::optim::SGDOptions(0.1));
  }
  if (gradus) return std::make_unique<optim::Adam>(groups);
  return std::make_unique<torch::optim::Adam>(groups);
}

amp::GradScalerOptions scaler_options(const Options& s) {
  return amp::GradScalerOptions().init_scale(number(s, "init_scale")).growth_factor(number(s, "growth_factor"))
      .backoff_factor(number(s, "backoff_factor")).growth_interval(std::stoll(s.at("growth_interval")));
}

// Elements off by more than 1e-6 relative (1e-7 absolute); NaN must meet NaN.
int64_t off(const at::Tensor& actual, const at::Tensor& expected) {
  const at::Tensor both_nan = at::isnan(actual).logical_and(at::isnan(expected));
  const at::Tensor allowed = (expected.abs() * 1e-6).clamp_min(1e-7);
  const at::Tensor bad = ((actual - expected).abs() > allowed).logical_or(at::isnan(actual).logical_xor(at::isnan(expected)));
  return bad.logical_and(both_nan.logical_not()).sum().item<int64_t>();
}

bool same_bits(const at::Tensor& a, const at::Tensor& b) { return at::equal(a.isnan(), b.isnan()) && at::equal(a.nan_to_num(0), b.nan_to_num(0)); }

float step_count(torch::optim::Optimizer& optimizer, bool gradus, const at::Tensor& param) {
  if (gradus) return static_cast<optim::AdamParamState*>(dynamic_cast<optim::Adam&>(optimizer).state_of(param))->step().item<float>();
#if TORCH_VERSION_MAJOR >= 2
  const auto key = param.unsafeGetTensorImpl();
#else
  const auto key = c10::guts::to_string(param.unsafeGetTensorImpl());
#endif
  const auto* s = static_cast<torch::optim::AdamParamState*>(optimizer.state().at(key).get());
  return static_cast<float>(s->step());
}

struct AmpCase {
  AmpRun run;
  bool gradus;
};

class AmpGolden : public ::testing::TestWithParam<AmpCase> {};

TEST_P(AmpGolden, ScaleSkipsGradientsAndParamsAsPyTorch) {
  const AmpRun& run = GetParam().run;
  const bool gradus = GetParam().gradus;
  std::vector<at::Tensor> params;
  for (const at::Tensor& start : run.start) params.push_back(start.clone().set_requires_grad(true));
  OptimizerPtr optimizer = make_optimizer(run, gradus, params);
  std::unique_ptr<amp::GradScaler> scaler;
  if (!run.scaler.empty()) scaler = std::make_unique<amp::GradScaler>(scaler_options(run.scaler));
  const bool unscales = run.loop.find("unscale_") != std::string::npos;
  for (int64_t s = 1; s <= run.steps; ++s) {
    SCOPED_TRACE("step " + std::to_string(s));
    if (scaler) {
      const at::Tensor loss = at::full({}, run.scalar(s, "loss"), at::kFloat);
      EXPECT_EQ(scaler->scale(loss).item<float>(), static_cast<float>(run.scalar(s, "scaled_loss")));
      EXPECT_EQ(scaler->get_scale(), run.scalar(s, "scale"));
    }
    for (size_t i = 0; i < params.size(); ++i) params[i].mutable_grad() = run.tensor(s, "gs17", i);
    if (unscales) {
      scaler->unscale_(*optimizer);
      for (size_t i = 0; i < params.size(); ++i) EXPECT_TRUE(same_bits(params[i].grad(), run.tensor(s, "gu17", i))) << i;
    }
    if (!run.clip.empty()) {
      const double norm_type = run.clip.at("norm_type") == "inf" ? INFINITY : number(run.clip, "norm_type");
      const at::Tensor total = clip_grad_norm_(params, number(run.clip, "max_norm"), norm_type);
      const double expected = run.scalar(s, "total_norm"), actual = total.item<double>();
      if (std::isfinite(expected)) {
        EXPECT_LE(std::abs(actual - expected), 2 * std::nextafter(float(expected), INFINITY) - 2 * float(expected));
      } else {
        EXPECT_EQ(std::isnan(actual), std::isnan(expected));
      }
      for (size_t i = 0; i < params.size(); ++i) EXPECT_EQ(off(params[i].grad(), run.tensor(s, "gc17", i)), 0) << i;
    }
    if (scaler) {
      scaler->step(*optimizer);
      scaler->update();
      EXPECT_EQ(scaler->get_scale(), run.scalar(s, "scale_after"));
      EXPECT_EQ(scaler->growth_tracker(), static_cast<int64_t>(run.scalar(s, "growth_tracker")));
    } else {
      optimizer->step();
    }
    for (size_t i = 0; i < params.size(); ++i) {
      EXPECT_EQ(off(params[i].detach(), run.tensor(s, "p17", i)), 0) << "param " << i;
    }
    if (run.has(s, "state_step")) {
      const auto& steps = run.at.at(s).at("state_step").at(0);
      for (size_t i = 0; i < params.size(); ++i) EXPECT_EQ(step_count(*optimizer, gradus, params[i]), std::stof(steps.at(1 + i)));
    }
  }
}

std::vector<AmpCase> amp_cases() {
  std::vector<AmpCase> cases;
  for (const AmpRun& run : read_amp_goldens()) {
    cases.push_back({run, true});
    cases.push_back({run, false});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Runs, AmpGolden, ::testing::ValuesIn(amp_cases()), [](const auto& info) {
  return info.param.run.name + (info.param.gradus ? "_gradus" : "_builtin");
});

TEST(AmpGoldens, EveryRunIsHere) { EXPECT_EQ(read_amp_goldens().size(), 5u); }

// With the clip coefficient folded into the fused step's scale, the
// adam_clip run takes the same skips and scales, and params within
// 1e-5 relative + 1e-7 absolute: only the roundings of the two multiplies differ.
TEST(AmpFolded, ClipUnscaleAndStepInTheFusedPassFollowThePyTorchRun) {
  for (const AmpRun& run : read_amp_goldens()) {
    if (run.name != "adam_clip") continue;
    std::vector<at::Tensor> params;
    for (const at::Tensor& start : run.start) params.push_back(start.clone().set_requires_grad(true));
    OptimizerPtr optimizer = make_optimizer(run, /*gradus=*/true, params);
    amp::GradScaler scaler(scaler_options(run.scaler));
    for (int64_t s = 1; s <= run.steps; ++s) {
      SCOPED_TRACE("step " + std::to_string(s));
      scaler.scale(at::full({}, run.scalar(s, "loss"), at::kFloat));
      for (size_t i = 0; i < params.size(); ++i) params[i].mutable_grad() = run.tensor(s, "gs17", i);
      const at::Tensor total = clip_grad_norm_(*optimizer, scaler, number(run.clip, "max_norm"));
      const double expected = run.scalar(s, "total_norm");
      if (std::isfinite(expected)) EXPECT_NEAR(total.item<double>(), expected, 1e-6 * expected);
      scaler.step(*optimizer);
      scaler.update();
      EXPECT_EQ(scaler.get_scale(), run.scalar(s, "scale_after"));
      for (size_t i = 0; i < params.size(); ++i) {
        const at::Tensor expected_p = run.tensor(s, "p17", i);
        const at::Tensor excess = (params[i].detach() - expected_p).abs() - (1e-5 * expected_p.abs() + 1e-7);
        EXPECT_LE(excess.max().item<double>(), 0.0) << "param " << i;
      }
    }
  }
}

// Counts the host reads of tensor values (item(), to<double>()) while alive.
class HostReads {
 public:
  HostReads() {
    handle_ = at::addGlobalCallback(at::RecordFunctionCallback(
        [](const at::RecordFunction& fn) -> std::unique_ptr<at::ObserverContext> {
          if (std::string(fn.name()) == "aten::_local_scalar_dense") ++count();
          return nullptr;
        }));
  }
  ~HostReads() { at::removeCallback(handle_); }
  static std::atomic<int64_t>& count() {
    static std::atomic<int64_t> n{0};
    return n;
  }

 private:
  at::CallbackHandle handle_;
};

// scale, clip (folded), step and update of gradus Adam read no tensor value
// on the host; LibTorch's Adam under the same scaler reads the overflow flag.
TEST(AmpHostReads, NoneOnTheStepPathOfAGradusOptimizer) {
  auto run_steps = [](torch::optim::Optimizer& optimizer, std::vector<at::Tensor>& params, bool fold) {
    amp::GradScaler scaler(amp::GradScalerOptions().init_scale(1024));
    scaler.scale(at::ones({}));  // the scale exists before counting starts
    HostReads::count() = 0;
    HostReads reads;
    for (int s = 0; s < 5; ++s) {
      const at::Tensor loss = scaler.scale(at::full({}, 0.5, at::kFloat));
      for (auto& p : params) p.mutable_grad() = at::full(p.sizes(), 1024.0 * (s + 1), at::kFloat);
      if (fold) {
        clip_grad_norm_(optimizer, scaler, 1.0);
      } else {
        scaler.unscale_(optimizer);
        clip_grad_norm_(params, 1.0);
      }
      scaler.step(optimizer);
      scaler.update();
    }
    return HostReads::count().load();
  };
  std::vector<at::Tensor> a{at::ones({64}, at::kFloat).set_requires_grad(true)};
  optim::Adam gradus_adam(a, optim::AdamOptions(0.01));
  EXPECT_EQ(run_steps(gradus_adam, a, /*fold=*/true), 0);
  EXPECT_EQ(run_steps(gradus_adam, a, /*fold=*/false), 0);
  std::vector<at::Tensor> b{at::ones({64}, at::kFloat).set_requires_grad(true)};
  torch::optim::Adam builtin_adam(b, torch::optim::AdamOptions(0.01));
  EXPECT_EQ(run_steps(builtin_adam, b, /*fold=*/false), 5) << "one read of the overflow flag per step";
}

TEST(GradScaler, MisuseIsRefusedWithPyTorchsMessages) {
  std::vector<at::Tensor> p{at::ones({3}).set_requires_grad(true)};
  optim::SGD sgd(p, optim::SGDOptions(0.1));
  amp::GradScaler scaler;
  p[0].mutable_grad() = at::ones({3});
  expect_error([&] { scaler.unscale_(sgd); }, {"Attempted unscale_ but _scale is None"});
  expect_error([&] { scaler.scale(at::ones({}, at::Device("meta"))); }, {"the loss is on meta", "cpu or cuda"});
  scaler.scale(at::ones({}));
  scaler.unscale_(sgd);
  expect_error([&] { scaler.unscale_(sgd); }, {"unscale_() has already been called on this optimizer since the last update()."});
  scaler.step(sgd);
  expect_error([&] { scaler.step(sgd); }, {"step() has already been called since the last update()."});
  expect_error([&] { scaler.unscale_(sgd); }, {"unscale_() is being called after step()."});
  scaler.update();
  expect_error([&] { scaler.update(); }, {"No inf checks were recorded prior to update."});
  expect_error([&] { scaler.step(sgd, [] { return at::zeros({}); }); },
               {"Closure use is not currently supported if GradScaler is enabled."});
  std::vector<at::Tensor> none{at::ones({3}).set_requires_grad(true)};
  optim::SGD without_grads(none, optim::SGDOptions(0.1));
  scaler.unscale_(without_grads);
  expect_error([&] { scaler.step(without_grads); }, {"No inf checks were recorded for this optimizer."});
}

TEST(GradScaler, BadOptionsAreNamed) {
  using O = amp::GradScalerOptions;
  expect_error([] { amp::GradScaler(O().init_scale(0)); }, {"init_scale", "0"});
  expect_error([] { amp::GradScaler(O().init_scale(NAN)); }, {"init_scale", "nan"});
  expect_error([] { amp::GradScaler(O().growth_factor(1)); }, {"growth_factor should be > 1 but is 1"});
  expect_error([] { amp::GradScaler(O().backoff_factor(1)); }, {"backoff_factor should be in (0, 1) but is 1"});
  expect_error([] { amp::GradScaler(O().backoff_factor(0)); }, {"backoff_factor", "0"});
  expect_error([] { amp::GradScaler(O().growth_interval(0)); }, {"growth_interval should be > 0 but is 0"});
  std::vector<at::Tensor> p{at::ones({3}).set_requires_grad(true)};
  p[0].mutable_grad() = at::ones({3});
  const at::Tensor before = p[0].grad().clone();
  expect_error([&] { clip_grad_norm_(p, -1.0); }, {"max_norm", "-1"});
  expect_error([&] { clip_grad_norm_(p, NAN); }, {"max_norm", "nan"});
  expect_error([&] { clip_grad_norm_(p, 1.0, 0.0); }, {"norm_type should be > 0", "0"});
  expect_error([&] { clip_grad_norm_(p, 1.0, -2.0); }, {"norm_type", "-2"});
  EXPECT_TRUE(at::equal(p[0].grad(), before));
  p[0].mutable_grad() = at::tensor({1.0f, INFINITY, 2.0f});
  expect_error([&] { clip_grad_norm_(p, 1.0, 2.0, /*error_if_nonfinite=*/true); },
               {"The total norm of order 2 for gradients from `parameters` is non-finite (inf)"});
}

TEST(GradScaler, DisabledPassesEverythingThrough) {
  std::vector<at::Tensor> p{at::ones({3}).set_requires_grad(true)};
  optim::SGD sgd(p, optim::SGDOptions(0.5));
  amp::GradScaler scaler(amp::GradScalerOptions().enabled(false));
  const at::Tensor loss = at::full({}, 2.0f);
  EXPECT_TRUE(scaler.scale(loss).is_same(loss));
  p[0].mutable_grad() = at::ones({3});
  scaler.unscale_(sgd);
  scaler.step(sgd);
  scaler.update();
  EXPECT_TRUE(at::allclose(p[0], at::full({3}, 0.5f)));
  EXPECT_EQ(scaler.get_scale(), 1.0);
}

// Saved and loaded exactly; a file of something else, or truncated, is
// refused and leaves the scaler as it was.
TEST(GradScaler, SavesAndRefusesOtherFiles) {
  amp::GradScaler scaler(amp::GradScalerOptions().init_scale(256).growth_interval(3));
  std::vector<at::Tensor> p{at::ones({3}).set_requires_grad(true)};
  optim::SGD sgd(p, optim::SGDOptions(0.1));
  for (int s = 0; s < 4; ++s) {
    scaler.scale(at::ones({}));
    p[0].mutable_grad() = at::ones({3});
    scaler.step(sgd);
    scaler.update();
  }
  std::ostringstream out;
  torch::save(scaler, out);
  amp::GradScaler loaded;
  std::istringstream in(out.str());
  torch::load(loaded, in);
  EXPECT_EQ(loaded.get_scale(), 512.0);
  EXPECT_EQ(loaded.growth_tracker(), 1);
  EXPECT_EQ(loaded.options().growth_interval(), 3);

  std::ostringstream other;
  torch::save(sgd, other);
  amp::GradScaler untouched(amp::GradScalerOptions().init_scale(8));
  std::istringstream other_in(other.str());
  expect_error([&] { torch::load(untouched, other_in); }, {"not a GradScaler file"});
  const std::string bytes = out.str();
  std::istringstream truncated(bytes.substr(0, bytes.size() / 2));
  EXPECT_THROW(torch::load(untouched, truncated), c10::Error);
  EXPECT_EQ(untouched.get_scale(), 8.0);
  EXPECT_EQ(untouched.options().growth_interval(), 2000);
}

}  // namespace
}  // namespace testing
}  // namespace gradus
