// gradus's own schedules against their closed forms, schedules shared by a
// built-in and a gradus optimizer, and bad input.
#include <gradus/gradus.h>
#include <gtest/gtest.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>
#include <torch/serialize.h>

#include <cmath>
#include <functional>
#include <set>

#include "support/trajectory.h"
#include "support/expect_error.h"

namespace gradus {
namespace testing {
namespace {

using namespace gradus::schedulers;


std::vector<at::Tensor> params() { return {at::zeros({3}).set_requires_grad(true)}; }

TEST(LinearDecay, FollowsItsClosedFormAndStaysAtTheEnd) {
  for (double end_factor : {0.0, 0.25}) {
    auto p = params();
    optim::SGD sgd(p, optim::SGDOptions(0.2));
    LinearDecay schedule(sgd, LinearDecayOptions(100).end_factor(end_factor));
    for (int64_t t = 0; t <= 150; ++t) {
      const double expected = 0.2 * (1 - (1 - end_factor) * double(std::min<int64_t>(t, 100)) / 100);
      EXPECT_NEAR(schedule.get_last_lr()[0], expected, 1e-15) << "t " << t;
      EXPECT_DOUBLE_EQ(sgd.param_groups()[0].options().get_lr(), schedule.get_last_lr()[0]);
      schedule.step();
    }
  }
}

TEST(LossAdaptive, DefaultMinimumIsTheBestLossSoFar) {
  auto p = params();
  optim::Adam adam(p, optim::AdamOptions(0.01));
  LossAdaptive schedule(adam);
  EXPECT_DOUBLE_EQ(schedule.get_last_lr()[0], 0.01);  // lr_0 until the first loss
  const std::vector<double> losses = {2.0, 1.0, 3.0, 0.5, 0.5, 1.5};
  double best = INFINITY;
  for (double loss : losses) {
    schedule.step(loss);
    best = std::min(best, loss);
    EXPECT_DOUBLE_EQ(schedule.get_last_lr()[0], 0.01 / (1 + loss / best));
    if (loss == best) EXPECT_DOUBLE_EQ(schedule.get_last_lr()[0], 0.005);  // lr_0 / 2 at the minimum
  }
  EXPECT_DOUBLE_EQ(schedule.min_loss(), 0.5);
}

TEST(LossAdaptive, FixedReference) {
  auto p = params();
  optim::SGD sgd(p, optim::SGDOptions(0.1));
  LossAdaptive schedule(sgd, LossAdaptiveOptions().min_loss(0.2));
  for (double loss : {1.0, 0.2, 0.05, 0.4}) {
    schedule.step(loss);
    EXPECT_DOUBLE_EQ(schedule.get_last_lr()[0], 0.1 / (1 + loss / 0.2));
  }
}

TEST(LossAdaptive, BadLossesAreRefusedAndChangeNothing) {
  auto p = params();
  optim::SGD sgd(p, optim::SGDOptions(0.1));
  LossAdaptive schedule(sgd);
  schedule.step(1.0);
  expect_error([&] { schedule.step(std::nan("")); }, {"LossAdaptive", "not finite", "nan"});
  expect_error([&] { schedule.step(INFINITY); }, {"not finite", "inf"});
  expect_error([&] { schedule.step(-0.5); }, {"min_loss must be positive", "-0.5"});
  EXPECT_DOUBLE_EQ(schedule.get_last_lr()[0], 0.05);
  expect_error([&] { schedule.step(); }, {"LossAdaptive", "step(loss)"});
  expect_error([&] { LossAdaptive(sgd, LossAdaptiveOptions().min_loss(0.0)); }, {"min_loss", "got 0"});
}

TEST(WarmupCosine, ClosedForm) {
  auto p = params();
  optim::SGD sgd(p, optim::SGDOptions(1.0));
  WarmupCosine schedule(sgd, WarmupCosineOptions(10, 110).eta_min(0.1));
  for (int64_t t = 0; t <= 130; ++t) {
    double expected;
    if (t < 10) expected = double(t) / 10;
    else if (t <= 110) expected = 0.1 + 0.9 * (1 + std::cos(M_PI * double(t - 10) / 100)) / 2;
    else expected = 0.1;
    EXPECT_NEAR(schedule.get_last_lr()[0], expected, 1e-14) << "t " << t;
    schedule.step();
  }
}

TEST(WarmupStableDecay, ClosedFormForEachShape) {
  for (const char* shape : {"linear", "cosine", "sqrt"}) {
    auto p = params();
    optim::SGD sgd(p, optim::SGDOptions(2.0));
    WarmupStableDecay schedule(sgd, WarmupStableDecayOptions(5, 20, 10).end_factor(0.1).decay_shape(shape));
    for (int64_t t = 0; t <= 40; ++t) {
      double factor = 1.0;
      if (t < 5) {
        factor = double(t) / 5;
      } else if (t >= 35) {
        factor = 0.1;
      } else if (t >= 25) {
        const double q = double(t - 25) / 10;
        const double s = std::string(shape) == "linear" ? q
                         : std::string(shape) == "cosine" ? (1 - std::cos(M_PI * q)) / 2 : std::sqrt(q);
        factor = 1 - 0.9 * s;
      }
      EXPECT_NEAR(schedule.get_last_lr()[0], 2.0 * factor, 1e-14) << shape << " t " << t;
      schedule.step();
    }
  }
}

// The same schedule on a built-in torch::optim::Adam and a gradus Adam, both
// training: every step both optimizers carry the same lr and beta1.
TEST(AnyOptimizer, BuiltinAndGradusSeeTheSameSchedule) {
  const Problem problem;
  auto builtin_params = problem.initial_params(), gradus_params = problem.initial_params();
  torch::optim::Adam builtin(builtin_params, torch::optim::AdamOptions(0.01));
  optim::Adam gradus_adam(gradus_params, optim::AdamOptions(0.01));
  OneCycleLR builtin_schedule(builtin, OneCycleLROptions(0.05).total_steps(300));
  OneCycleLR gradus_schedule(gradus_adam, OneCycleLROptions(0.05).total_steps(300));
  for (int64_t s = 0; s < 299; ++s) {
    problem.set_grads(builtin_params, s);
    problem.set_grads(gradus_params, s);
    builtin.step();
    gradus_adam.step();
    builtin_schedule.step();
    gradus_schedule.step();
    const auto& b = static_cast<torch::optim::AdamOptions&>(builtin.param_groups()[0].options());
    const auto& g = static_cast<optim::AdamOptions&>(gradus_adam.param_groups()[0].options());
    ASSERT_EQ(b.lr(), g.lr()) << "step " << s;
    ASSERT_EQ(std::get<0>(b.betas()), std::get<0>(g.betas())) << "step " << s;
    ASSERT_EQ(builtin_schedule.get_last_lr(), gradus_schedule.get_last_lr());
  }
  // Both trained under that schedule: their parameters agree too.
  EXPECT_LE(max_relative_diff(flatten(gradus_params).unsqueeze(0), flatten(builtin_params).unsqueeze(0)), 1e-10);
}

// OneCycleLR cycles beta1 of every optimizer that has betas, as it does Adam's.
TEST(AnyOptimizer, OneCycleCyclesTheBetasOfAdamaxRAdamAndNAdam) {
  auto p = params();
  optim::Adam adam(p, optim::AdamOptions(0.01));
  optim::Adamax adamax(p, optim::AdamaxOptions(0.01));
  optim::RAdam radam(p, optim::RAdamOptions(0.01));
  optim::NAdam nadam(p, optim::NAdamOptions(0.01));
  OneCycleLR adam_schedule(adam, OneCycleLROptions(0.05).total_steps(100));
  OneCycleLR adamax_schedule(adamax, OneCycleLROptions(0.05).total_steps(100));
  OneCycleLR radam_schedule(radam, OneCycleLROptions(0.05).total_steps(100));
  OneCycleLR nadam_schedule(nadam, OneCycleLROptions(0.05).total_steps(100));
  auto beta1 = [](torch::optim::Optimizer& o, auto* type) {
    return std::get<0>(static_cast<std::remove_pointer_t<decltype(type)>&>(o.param_groups()[0].options()).betas());
  };
  std::set<double> seen;
  for (int64_t s = 0; s < 99; ++s) {
    const double expected = beta1(adam, static_cast<optim::AdamOptions*>(nullptr));
    seen.insert(expected);
    ASSERT_EQ(beta1(adamax, static_cast<optim::AdamaxOptions*>(nullptr)), expected) << "step " << s;
    ASSERT_EQ(beta1(radam, static_cast<optim::RAdamOptions*>(nullptr)), expected) << "step " << s;
    ASSERT_EQ(beta1(nadam, static_cast<optim::NAdamOptions*>(nullptr)), expected) << "step " << s;
    adam_schedule.step();
    adamax_schedule.step();
    radam_schedule.step();
    nadam_schedule.step();
  }
  EXPECT_GT(seen.size(), 50u) << "beta1 moved";
}

TEST(BadSchedulerInput, NamedInTheError) {
  auto p = params();
  optim::SGD sgd(p, optim::SGDOptions(0.1).momentum(0.9));
  optim::Adam adam(p);
  expect_error([&] { StepLR(sgd, StepLROptions(0)); }, {"StepLR", "step_size", "got 0"});
  expect_error([&] { ExponentialLR(sgd, -0.5); }, {"gamma", "-0.5"});
  expect_error([&] { ConstantLR(sgd, ConstantLROptions().factor(1.5)); }, {"factor", "1.5"});
  expect_error([&] { LinearLR(sgd, LinearLROptions().end_factor(-1)); }, {"end_factor", "-1"});
  expect_error([&] { CosineAnnealingLR(sgd, 0); }, {"T_max", "got 0"});
  expect_error([&] { CosineAnnealingWarmRestarts(sgd, CosineAnnealingWarmRestartsOptions(10).T_mult(0)); }, {"T_mult", "0"});
  expect_error([&] { CyclicLR(sgd, CyclicLROptions(0.01, 0.1).mode("zigzag")); }, {"mode 'zigzag'"});
  expect_error([&] { CyclicLR(adam, CyclicLROptions(0.01, 0.1)); }, {"momentum", "cycle_momentum"});
  expect_error([&] { CyclicLR(sgd, CyclicLROptions({0.01, 0.02, 0.03}, {0.1})); }, {"expected 1 values for base_lr, got 3"});
  expect_error([&] { OneCycleLR(sgd, OneCycleLROptions(0.1)); }, {"total_steps OR (epochs AND steps_per_epoch)"});
  expect_error([&] { OneCycleLR(sgd, OneCycleLROptions(0.1).total_steps(100).anneal_strategy("exp")); }, {"anneal_strategy", "exp"});
  expect_error([&] { ReduceLROnPlateau(sgd, ReduceLROnPlateauOptions().factor(1.0)); }, {"factor", "1"});
  expect_error([&] { ReduceLROnPlateau(sgd, ReduceLROnPlateauOptions().mode(static_cast<SchedulerMode>(7))); },
               {"mode 7 is unknown"});
  expect_error([&] { LambdaLR(sgd, std::vector<LrLambda>{[](int64_t) { return 1.0; }, [](int64_t) { return 1.0; }}); },
               {"expected 1 lr_lambdas, but got 2"});
  expect_error([&] { WarmupCosine(sgd, WarmupCosineOptions(10, 10)); }, {"total_steps (10) must exceed warmup_steps (10)"});
  expect_error([&] { WarmupStableDecay(sgd, WarmupStableDecayOptions(1, 1, 1).decay_shape("step")); }, {"decay_shape", "step"});
  expect_error([&] { LinearDecay(sgd, LinearDecayOptions(100).end_factor(2)); }, {"end_factor", "2"});
}

// Values PyTorch takes without a word, which make no sense.
TEST(BadSchedulerInput, BeyondPyTorchsChecks) {
  auto p = params();
  optim::SGD sgd(p, optim::SGDOptions(0.1).momentum(0.9));
  expect_error([&] { MultiStepLR(sgd, MultiStepLROptions({2, -3})); }, {"MultiStepLR", "milestones must be >= 0, got -3"});
  expect_error([&] { ReduceLROnPlateau(sgd, ReduceLROnPlateauOptions().patience(-1)); }, {"patience must be >= 0, got -1"});
  expect_error([&] { ReduceLROnPlateau(sgd, ReduceLROnPlateauOptions().cooldown(-2)); }, {"cooldown must be >= 0, got -2"});
  expect_error([&] { CosineAnnealingLR(sgd, CosineAnnealingLROptions(10).eta_min(0.5)); },
               {"CosineAnnealingLR", "eta_min 0.5 is above the lr of param group 0 (0.1)"});
  expect_error([&] { CosineAnnealingWarmRestarts(sgd, CosineAnnealingWarmRestartsOptions(10).eta_min(-0.1)); },
               {"eta_min must be >= 0, got -0.1"});
  expect_error([&] { WarmupCosine(sgd, WarmupCosineOptions(1, 10).eta_min(0.2)); }, {"WarmupCosine", "eta_min 0.2"});
  expect_error([&] { CyclicLR(sgd, CyclicLROptions(0.01, 0.1).step_size_down(-4)); },
               {"step_size_down must be positive, got -4"});
  expect_error([&] { PolynomialLR(sgd, PolynomialLROptions().power(-1)); }, {"PolynomialLR", "power must be >= 0", "-1"});
  EXPECT_DOUBLE_EQ(sgd.param_groups()[0].options().get_lr(), 0.1) << "a refused scheduler changed the lr";
}

TEST(BadSchedulerInput, MetricDrivenSchedulersNeedTheMetric) {
  auto p = params();
  optim::SGD sgd(p, optim::SGDOptions(0.1));
  ReduceLROnPlateau plateau(sgd);
  expect_error([&] { plateau.step(); }, {"ReduceLROnPlateau", "step(metric)"});
  StepLR step_lr(sgd, 10);
  expect_error([&] { step_lr.step(0.5); }, {"StepLR takes no metric"});
}

TEST(BadSchedulerInput, OneCycleStepsPastItsEnd) {
  auto p = params();
  optim::SGD sgd(p, optim::SGDOptions(0.1).momentum(0.9));
  OneCycleLR schedule(sgd, OneCycleLROptions(0.1).total_steps(5));
  for (int i = 0; i < 5; ++i) schedule.step();
  expect_error([&] { schedule.step(); }, {"tried to step 7 times", "total steps is 5"});
}

TEST(BadSchedulerInput, StateOfAnotherSchedulerIsRefused) {
  auto p = params();
  optim::SGD sgd(p, optim::SGDOptions(0.1));
  StepLR step_lr(sgd, 10);
  torch::serialize::OutputArchive out;
  out << step_lr;
  std::ostringstream bytes;
  out.save_to(bytes);
  ExponentialLR exponential(sgd, 0.9);
  std::istringstream in(bytes.str());
  torch::serialize::InputArchive archive;
  archive.load_from(in);
  expect_error([&] { archive >> exponential; }, {"written by gradus::schedulers::StepLR"});
}

// An optimizer and scheduler destroyed and built again over the same model
// start from the new optimizer's lr, never an old run's: the initial lr
// lives with the optimizer's groups, not in a table keyed by an address
// that the new objects may reuse.
TEST(BaseLrs, ARecreatedOptimizerAndSchedulerStartFromTheNewLr) {
  auto p = params();
  for (int run = 0; run < 20; ++run) {
    const double lr = 0.1 * (run + 1);
    auto sgd = std::make_unique<optim::SGD>(p, optim::SGDOptions(lr));
    auto adam = std::make_unique<torch::optim::Adam>(p, torch::optim::AdamOptions(lr));
    auto gradus_schedule = std::make_unique<StepLR>(*sgd, StepLROptions(1).gamma(0.5));
    auto builtin_schedule = std::make_unique<StepLR>(*adam, StepLROptions(1).gamma(0.5));
    ASSERT_EQ(gradus_schedule->base_lrs(), std::vector<double>{lr}) << "run " << run;
    ASSERT_EQ(builtin_schedule->base_lrs(), std::vector<double>{lr}) << "run " << run;
    gradus_schedule->step();
    builtin_schedule->step();
    ASSERT_DOUBLE_EQ(sgd->param_groups()[0].options().get_lr(), lr / 2);
  }
}

// Schedulers built one after another on one optimizer start from the
// groups' initial lrs, as PyTorch's initial_lr makes them: the second one's
// base is not the lr the first one's initial step left, for gradus and for
// LibTorch optimizers (there through SequentialLR, which hands them on).
TEST(BaseLrs, NestedSchedulersShareTheFirstOnesBaseLrs) {
  auto p = params();
  optim::SGD sgd(p, optim::SGDOptions(1.0));
  torch::optim::SGD builtin(p, torch::optim::SGDOptions(1.0));
  for (torch::optim::Optimizer* optimizer : std::initializer_list<torch::optim::Optimizer*>{&sgd, &builtin}) {
    auto warmup = std::make_shared<LinearLR>(*optimizer, LinearLROptions().start_factor(0.1).total_iters(2));
    auto decay = std::make_shared<LambdaLR>(*optimizer, LrLambda([](int64_t e) { return 1.0 / (1 + e); }));
    SequentialLR sequence(*optimizer, {warmup, decay}, {2});
    EXPECT_EQ(warmup->base_lrs(), std::vector<double>{1.0});
    EXPECT_EQ(decay->base_lrs(), std::vector<double>{1.0});
    EXPECT_DOUBLE_EQ(optimizer->param_groups()[0].options().get_lr(), 0.1);
    sequence.step();
    sequence.step();  // the milestone: LambdaLR at epoch 0 is its base lr
    EXPECT_DOUBLE_EQ(optimizer->param_groups()[0].options().get_lr(), 1.0);
  }
}

// A file that is refused, here one whose nested second scheduler is not
// the one saved, changes neither the scheduler, the ones it holds, nor the
// optimizer's lrs.
TEST(BadSchedulerInput, ARefusedFileLeavesTheSchedulerUnchanged) {
  auto p = params();
  optim::SGD sgd(p, optim::SGDOptions(1.0));
  auto make = [&](bool exponential_second) {
    auto first = std::make_shared<StepLR>(sgd, StepLROptions(2).gamma(0.5));
    std::shared_ptr<LRScheduler> second;
    if (exponential_second) second = std::make_shared<ExponentialLR>(sgd, 0.9);
    else second = std::make_shared<StepLR>(sgd, StepLROptions(1).gamma(0.1));
    return std::make_unique<SequentialLR>(sgd, std::vector<std::shared_ptr<LRScheduler>>{first, second},
                                          std::vector<int64_t>{3});
  };
  auto saved = make(false);
  for (int s = 0; s < 5; ++s) saved->step();
  std::ostringstream bytes;
  {
    torch::serialize::OutputArchive out;
    out << *saved;
    out.save_to(bytes);
  }
  saved.reset();
  auto target = make(true);
  target->step();
  const auto last_lr = target->get_last_lr();
  const auto epoch = target->last_epoch();
  const double lr = sgd.param_groups()[0].options().get_lr();
  std::istringstream in(bytes.str());
  torch::serialize::InputArchive archive;
  archive.load_from(in);
  expect_error([&] { archive >> *target; }, {"gradus::schedulers::ExponentialLR", "written by gradus::schedulers::StepLR"});
  EXPECT_EQ(target->get_last_lr(), last_lr);
  EXPECT_EQ(target->last_epoch(), epoch);
  EXPECT_EQ(sgd.param_groups()[0].options().get_lr(), lr);
  target->step();  // and it goes on from where it was
  EXPECT_EQ(target->last_epoch(), epoch + 1);
}

}  // namespace
}  // namespace testing
}  // namespace gradus
