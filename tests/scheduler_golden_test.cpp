// Every scheduler against PyTorch's Python torch.optim.lr_scheduler: the lr
// (and cycled momentum or beta1) of two param groups over >= 500 steps, from
// tests/golden/scheduler_lrs.txt (scripts/generate_scheduler_golden.py).
// Each case runs on a gradus optimizer and on the built-in one, and is saved
// and loaded into fresh objects halfway.
#include <gradus/gradus.h>
#include <gtest/gtest.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>
#include <torch/serialize.h>

#include <sstream>

#include "support/golden_file.h"

namespace gradus {
namespace testing {
namespace {

using namespace gradus::schedulers;
using Optimizer = torch::optim::Optimizer;
using SchedulerPtr = std::shared_ptr<LRScheduler>;

enum class Extra { kNone, kMomentum, kBeta1, kMetric, kNegatedMetric };
enum class Kind { kSgd, kAdam };

struct Case {
  Kind kind;
  std::function<SchedulerPtr(Optimizer&)> build;
  Extra extra = Extra::kNone;
};

double metric(int64_t t) { return 1.0 / double(1 + t / 40) + 0.001 * double((t * 37) % 11); }

template <class S, class... Args>
SchedulerPtr make(Args&&... args) {
  return std::make_shared<S>(std::forward<Args>(args)...);
}

std::map<std::string, Case> cases() {
  std::map<std::string, Case> c;
  const Kind sgd = Kind::kSgd, adam = Kind::kAdam;
  c["lambda_exp"] = {sgd, [](Optimizer& o) { return make<LambdaLR>(o, LrLambda([](int64_t e) { return std::pow(0.95, double(e)); })); }};
  c["lambda_per_group"] = {sgd, [](Optimizer& o) {
    return make<LambdaLR>(o, std::vector<LrLambda>{[](int64_t e) { return 1 / (1 + 0.01 * double(e)); },
                                                   [](int64_t e) { return std::pow(0.99, double(e)); }});
  }};
  c["lambda_staircase"] = {sgd, [](Optimizer& o) { return make<LambdaLR>(o, LrLambda([](int64_t e) { return std::pow(0.5, double(e / 100)); })); }};
  c["multiplicative_const"] = {sgd, [](Optimizer& o) { return make<MultiplicativeLR>(o, LrLambda([](int64_t) { return 0.995; })); }};
  c["multiplicative_per_group"] = {sgd, [](Optimizer& o) {
    return make<MultiplicativeLR>(o, std::vector<LrLambda>{[](int64_t) { return 0.999; },
                                                           [](int64_t e) { return 1 - 0.001 * double(e % 3); }});
  }};
  c["multiplicative_decay"] = {sgd, [](Optimizer& o) { return make<MultiplicativeLR>(o, LrLambda([](int64_t e) { return 1 / (1 + 0.0005 * double(e)); })); }};
  c["step_50_half"] = {sgd, [](Optimizer& o) { return make<StepLR>(o, StepLROptions(50).gamma(0.5)); }};
  c["step_every"] = {sgd, [](Optimizer& o) { return make<StepLR>(o, StepLROptions(1).gamma(0.99)); }};
  c["step_default_gamma"] = {sgd, [](Optimizer& o) { return make<StepLR>(o, StepLROptions(200)); }};
  c["multistep"] = {sgd, [](Optimizer& o) { return make<MultiStepLR>(o, MultiStepLROptions({100, 250, 400}).gamma(0.5)); }};
  c["multistep_repeated"] = {sgd, [](Optimizer& o) { return make<MultiStepLR>(o, MultiStepLROptions({50, 50, 300}).gamma(0.3)); }};
  c["multistep_default_gamma"] = {sgd, [](Optimizer& o) { return make<MultiStepLR>(o, MultiStepLROptions({550})); }};
  c["constant_default"] = {sgd, [](Optimizer& o) { return make<ConstantLR>(o); }};
  c["constant_half_100"] = {sgd, [](Optimizer& o) { return make<ConstantLR>(o, ConstantLROptions().factor(0.5).total_iters(100)); }};
  c["constant_long"] = {sgd, [](Optimizer& o) { return make<ConstantLR>(o, ConstantLROptions().factor(0.1).total_iters(550)); }};
  c["linear_default"] = {sgd, [](Optimizer& o) { return make<LinearLR>(o); }};
  c["linear_warmup"] = {sgd, [](Optimizer& o) { return make<LinearLR>(o, LinearLROptions().start_factor(0.25).end_factor(1.0).total_iters(300)); }};
  c["linear_decay_down"] = {sgd, [](Optimizer& o) { return make<LinearLR>(o, LinearLROptions().start_factor(1.0).end_factor(0.1).total_iters(400)); }};
  c["exponential_099"] = {sgd, [](Optimizer& o) { return make<ExponentialLR>(o, 0.99); }};
  c["exponential_0995"] = {sgd, [](Optimizer& o) { return make<ExponentialLR>(o, 0.995); }};
  c["exponential_09"] = {sgd, [](Optimizer& o) { return make<ExponentialLR>(o, 0.9); }};
  c["polynomial_linear"] = {sgd, [](Optimizer& o) { return make<PolynomialLR>(o, PolynomialLROptions().total_iters(500).power(1.0)); }};
  c["polynomial_square"] = {sgd, [](Optimizer& o) { return make<PolynomialLR>(o, PolynomialLROptions().total_iters(300).power(2.0)); }};
  c["polynomial_sqrt"] = {sgd, [](Optimizer& o) { return make<PolynomialLR>(o, PolynomialLROptions().total_iters(600).power(0.5)); }};
  c["cosine_periodic"] = {sgd, [](Optimizer& o) { return make<CosineAnnealingLR>(o, CosineAnnealingLROptions(100).eta_min(0.001)); }};
  c["cosine_full"] = {sgd, [](Optimizer& o) { return make<CosineAnnealingLR>(o, 600); }};
  c["cosine_odd"] = {sgd, [](Optimizer& o) { return make<CosineAnnealingLR>(o, CosineAnnealingLROptions(37).eta_min(0.01)); }};
  c["warm_restarts"] = {sgd, [](Optimizer& o) { return make<CosineAnnealingWarmRestarts>(o, 50); }};
  c["warm_restarts_mult2"] = {sgd, [](Optimizer& o) { return make<CosineAnnealingWarmRestarts>(o, CosineAnnealingWarmRestartsOptions(20).T_mult(2).eta_min(1e-3)); }};
  c["warm_restarts_mult3"] = {sgd, [](Optimizer& o) { return make<CosineAnnealingWarmRestarts>(o, CosineAnnealingWarmRestartsOptions(100).T_mult(3)); }};
  c["cyclic_triangular"] = {sgd, [](Optimizer& o) { return make<CyclicLR>(o, CyclicLROptions(0.01, 0.1).step_size_up(50)); }, Extra::kMomentum};
  c["cyclic_triangular2"] = {sgd, [](Optimizer& o) {
    return make<CyclicLR>(o, CyclicLROptions({0.01, 0.001}, {0.1, 0.05}).step_size_up(40).step_size_down(60).mode("triangular2"));
  }, Extra::kMomentum};
  c["cyclic_exp_range"] = {sgd, [](Optimizer& o) {
    return make<CyclicLR>(o, CyclicLROptions(0.01, 0.1).step_size_up(30).mode("exp_range").gamma(0.995)
                                 .base_momentum({0.7}).max_momentum({0.95}));
  }, Extra::kMomentum};
  c["cyclic_adam_no_momentum"] = {adam, [](Optimizer& o) { return make<CyclicLR>(o, CyclicLROptions(0.001, 0.01).step_size_up(25).cycle_momentum(false)); }};
  c["onecycle_cos"] = {sgd, [](Optimizer& o) { return make<OneCycleLR>(o, OneCycleLROptions(0.1).total_steps(601)); }, Extra::kMomentum};
  c["onecycle_linear_three_phase"] = {sgd, [](Optimizer& o) {
    return make<OneCycleLR>(o, OneCycleLROptions({0.1, 0.05}).total_steps(601).anneal_strategy("linear").three_phase(true));
  }, Extra::kMomentum};
  c["onecycle_adam_beta1"] = {adam, [](Optimizer& o) {
    return make<OneCycleLR>(o, OneCycleLROptions(0.01).epochs(7).steps_per_epoch(86).pct_start(0.25).div_factor(10.0).final_div_factor(100.0));
  }, Extra::kBeta1};
  c["plateau_default"] = {sgd, [](Optimizer& o) { return make<ReduceLROnPlateau>(o); }, Extra::kMetric};
  c["plateau_max_abs_cooldown"] = {sgd, [](Optimizer& o) {
    return make<ReduceLROnPlateau>(o, ReduceLROnPlateauOptions().mode(SchedulerMode::max).factor(0.5).patience(5).threshold(0.01)
                                          .threshold_mode(ThresholdMode::abs).cooldown(3));
  }, Extra::kNegatedMetric};
  c["plateau_min_lrs"] = {sgd, [](Optimizer& o) { return make<ReduceLROnPlateau>(o, ReduceLROnPlateauOptions().factor(0.7).patience(2).min_lr({0.01, 0.005})); }, Extra::kMetric};
  c["sequential_warmup_cosine"] = {sgd, [](Optimizer& o) {
    return make<SequentialLR>(o, std::vector<SchedulerPtr>{make<LinearLR>(o, LinearLROptions().start_factor(0.1).end_factor(1.0).total_iters(50)),
                                                           make<CosineAnnealingLR>(o, 550)}, std::vector<int64_t>{50});
  }};
  c["sequential_three"] = {sgd, [](Optimizer& o) {
    return make<SequentialLR>(o, std::vector<SchedulerPtr>{make<ConstantLR>(o, ConstantLROptions().factor(0.5).total_iters(10)),
                                                           make<ExponentialLR>(o, 0.99), make<StepLR>(o, StepLROptions(100).gamma(0.5))},
                              std::vector<int64_t>{100, 300});
  }};
  c["sequential_wsd"] = {sgd, [](Optimizer& o) {
    return make<SequentialLR>(o, std::vector<SchedulerPtr>{make<LinearLR>(o, LinearLROptions().start_factor(0.2).end_factor(1.0).total_iters(20)),
                                                           make<ConstantLR>(o, ConstantLROptions().factor(1.0).total_iters(1)),
                                                           make<LinearLR>(o, LinearLROptions().start_factor(1.0).end_factor(0.01).total_iters(200))},
                              std::vector<int64_t>{20, 400});
  }};
  c["chained_constant_exponential"] = {sgd, [](Optimizer& o) {
    return make<ChainedScheduler>(std::vector<SchedulerPtr>{make<ConstantLR>(o, ConstantLROptions().factor(0.5).total_iters(20)), make<ExponentialLR>(o, 0.995)});
  }};
  c["chained_step_linear"] = {sgd, [](Optimizer& o) {
    return make<ChainedScheduler>(std::vector<SchedulerPtr>{make<StepLR>(o, StepLROptions(100).gamma(0.5)),
                                                            make<LinearLR>(o, LinearLROptions().start_factor(0.5).end_factor(1.0).total_iters(50))});
  }};
  c["chained_three"] = {sgd, [](Optimizer& o) {
    return make<ChainedScheduler>(std::vector<SchedulerPtr>{make<MultiStepLR>(o, MultiStepLROptions({200, 400}).gamma(0.1)),
                                                            make<ConstantLR>(o, ConstantLROptions().factor(0.25).total_iters(30)),
                                                            make<ExponentialLR>(o, 0.999)});
  }};
  // gradus's own schedules against the PyTorch compositions they equal.
  c["as_linear_decay_linearlr"] = {sgd, [](Optimizer& o) { return make<LinearDecay>(o, 500); }};
  c["as_linear_decay_polynomial"] = {sgd, [](Optimizer& o) { return make<LinearDecay>(o, 500); }};
  c["as_linear_decay_end_factor"] = {sgd, [](Optimizer& o) { return make<LinearDecay>(o, LinearDecayOptions(400).end_factor(0.2)); }};
  c["as_warmup_cosine"] = {sgd, [](Optimizer& o) { return make<WarmupCosine>(o, WarmupCosineOptions(50, 500).warmup_start_factor(0.1).eta_min(0.001)); }};
  c["as_wsd_linear"] = {sgd, [](Optimizer& o) {
    return make<WarmupStableDecay>(o, WarmupStableDecayOptions(20, 280, 200).warmup_start_factor(0.2).end_factor(0.05));
  }};
  return c;
}

// Two groups (lr 0.1 and 0.03) of a gradus or built-in SGD (momentum 0.9) or Adam.
std::unique_ptr<Optimizer> make_optimizer(Kind kind, bool builtin) {
  std::vector<at::Tensor> a = {at::zeros({2}).set_requires_grad(true)}, b = {at::zeros({3}).set_requires_grad(true)};
  auto groups = [&](auto options) {
    std::vector<torch::optim::OptimizerParamGroup> g;
    g.emplace_back(a, std::make_unique<decltype(options)>(options));
    auto second = options;
    second.lr(0.03);
    g.emplace_back(b, std::make_unique<decltype(options)>(second));
    return g;
  };
  if (kind == Kind::kSgd) {
    if (builtin) return std::make_unique<torch::optim::SGD>(groups(torch::optim::SGDOptions(0.1).momentum(0.9)), torch::optim::SGDOptions(0.1).momentum(0.9));
    return std::make_unique<optim::SGD>(groups(optim::SGDOptions(0.1).momentum(0.9)), optim::SGDOptions(0.1).momentum(0.9));
  }
  if (builtin) return std::make_unique<torch::optim::Adam>(groups(torch::optim::AdamOptions(0.1)), torch::optim::AdamOptions(0.1));
  return std::make_unique<optim::Adam>(groups(optim::AdamOptions(0.1)), optim::AdamOptions(0.1));
}

double momentum_of(const torch::optim::OptimizerOptions& o, Extra extra) {
  if (auto* s = dynamic_cast<const optim::SGDOptions*>(&o)) return s->momentum();
  if (auto* s = dynamic_cast<const torch::optim::SGDOptions*>(&o)) return s->momentum();
  if (auto* s = dynamic_cast<const optim::AdamOptions*>(&o)) return std::get<0>(s->betas());
  if (auto* s = dynamic_cast<const torch::optim::AdamOptions*>(&o)) return std::get<0>(s->betas());
  throw std::logic_error("no momentum");
}

std::vector<double> row(const Optimizer& opt, Extra extra) {
  std::vector<double> r;
  for (const auto& g : opt.param_groups()) r.push_back(g.options().get_lr());
  if (extra == Extra::kMomentum || extra == Extra::kBeta1) {
    for (const auto& g : opt.param_groups()) r.push_back(momentum_of(g.options(), extra));
  }
  return r;
}

template <class T>
std::string saved(const T& value) {
  torch::serialize::OutputArchive archive;
  archive << value;
  std::ostringstream out;
  archive.save_to(out);
  return out.str();
}

template <class T>
void restore(T& value, const std::string& bytes) {
  std::istringstream in(bytes);
  torch::serialize::InputArchive archive;
  archive.load_from(in);
  archive >> value;
}

at::Tensor run_case(const Case& c, int64_t rows, bool builtin, int64_t save_at) {
  auto opt = make_optimizer(c.kind, builtin);
  auto scheduler = c.build(*opt);
  std::vector<double> values = row(*opt, c.extra);
  for (int64_t t = 1; t < rows; ++t) {
    if (t == save_at) {  // continue in fresh objects from saved state
      const std::string opt_bytes = saved(*opt), sched_bytes = saved(*scheduler);
      auto fresh_opt = make_optimizer(c.kind, builtin);
      auto fresh_scheduler = c.build(*fresh_opt);
      restore(*fresh_opt, opt_bytes);
      restore(*fresh_scheduler, sched_bytes);
      scheduler = fresh_scheduler;  // the old one must go before its optimizer
      opt = std::move(fresh_opt);
    }
    if (c.extra == Extra::kMetric) scheduler->step(metric(t));
    else if (c.extra == Extra::kNegatedMetric) scheduler->step(-metric(t));
    else scheduler->step();
    const auto r = row(*opt, c.extra);
    values.insert(values.end(), r.begin(), r.end());
    EXPECT_EQ(scheduler->get_last_lr(), std::vector<double>(r.begin(), r.begin() + 2));
  }
  return at::tensor(values, at::kDouble).reshape({rows, -1});
}

TEST(SchedulerGolden, EveryCaseMatchesPyTorch) {
  const auto golden = read_golden(GRADUS_GOLDEN_DIR "/scheduler_lrs.txt");
  const auto table = cases();
  ASSERT_EQ(golden.size(), table.size());
  for (const auto& g : golden) {
    SCOPED_TRACE(g.name + " (" + g.kind + ")");
    auto it = table.find(g.name);
    ASSERT_NE(it, table.end()) << "no C++ case";
    ASSERT_GE(g.rows.size(0), 500);
    for (bool builtin : {false, true}) {
      for (int64_t save_at : {int64_t(-1), g.rows.size(0) / 2}) {
        at::Tensor actual = run_case(it->second, g.rows.size(0), builtin, save_at);
        ASSERT_EQ(actual.sizes(), g.rows.sizes());
        const double diff = ((actual - g.rows).abs() / g.rows.abs().clamp_min(1e-300)).max().item<double>();
        EXPECT_LE(diff, 1e-9) << (builtin ? "built-in" : "gradus") << " optimizer, save/load at " << save_at;
      }
    }
  }
}

}  // namespace
}  // namespace testing
}  // namespace gradus
