// Training on real MNIST (a subset, for time): accuracy floor, gradus against
// the built-in optimizer, determinism, and checkpoint/resume.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include <gradus/optim/adam.h>
#include <gradus/optim/sgd.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

#include "datasets.h"
#include "examples_mnist.h"
#include "models.h"
#include "optimizer_factory.h"
#include "trainer.h"

namespace gradus {
namespace testing {
namespace {

using examples::TrainConfig;

TrainConfig subset_config() {
  TrainConfig c;
  c.model = "mlp";
  c.optimizer.lr = 0.002;
  c.batch_size = 32;
  c.epochs = 1;
  c.train_limit = 12000;
  c.test_limit = 2000;
  c.log_interval = 1000000;
  return c;
}

TEST(MnistTraining, GradusAdamReachesTheFloorAndMatchesTheBuiltin) {
  const TrainConfig c = subset_config();
  auto gradus_run = examples::train(c, mnist(), "gradus");
  auto builtin_run = examples::train(c, mnist(), "builtin");
  const double gradus_accuracy = gradus_run.epochs.back().test_accuracy;
  EXPECT_GE(gradus_accuracy, 0.90);
  EXPECT_NEAR(gradus_accuracy, builtin_run.epochs.back().test_accuracy, 0.002);
}

// Float training on real MNIST: the gradus optimizer and the built-in one,
// from the same weights on the same batches, end bit for bit equal.
template <class Gradus, class Builtin, class GradusOptions, class BuiltinOptions>
void expect_bit_identical_training(const GradusOptions& gradus_options, const BuiltinOptions& builtin_options) {
  torch::manual_seed(7);
  auto gradus_model = examples::make_model("mlp", 1, 28, 28);
  auto builtin_model = examples::make_model("mlp", 1, 28, 28);
  {
    torch::NoGradGuard no_grad;
    auto from = gradus_model->parameters(), to = builtin_model->parameters();
    for (size_t i = 0; i < from.size(); ++i) to[i].copy_(from[i]);
  }
  Gradus gradus_opt(gradus_model->parameters(), gradus_options);
  Builtin builtin_opt(builtin_model->parameters(), builtin_options);
  const auto& data = mnist();
  for (int64_t b = 0; b < 300; ++b) {
    const auto images = data.train_images.narrow(0, b * 32, 32);
    const auto labels = data.train_labels.narrow(0, b * 32, 32);
    for (auto [model, optimizer] : {std::pair<torch::nn::Sequential&, torch::optim::Optimizer&>{gradus_model, gradus_opt},
                                    {builtin_model, builtin_opt}}) {
      optimizer.zero_grad();
      torch::nn::functional::cross_entropy(model->forward(images), labels).backward();
      optimizer.step();
    }
  }
  const auto gradus_params = gradus_model->parameters(), builtin_params = builtin_model->parameters();
  for (size_t i = 0; i < gradus_params.size(); ++i) {
    EXPECT_TRUE(at::equal(gradus_params[i], builtin_params[i])) << "parameter " << i << " differs";
  }
}

TEST(MnistTraining, FloatAdamIsBitIdenticalToTheBuiltin) {
  expect_bit_identical_training<optim::Adam, torch::optim::Adam>(optim::AdamOptions(0.002).weight_decay(1e-4),
                                                                 torch::optim::AdamOptions(0.002).weight_decay(1e-4));
}

TEST(MnistTraining, FloatSgdMomentumIsBitIdenticalToTheBuiltin) {
  expect_bit_identical_training<optim::SGD, torch::optim::SGD>(optim::SGDOptions(0.05).momentum(0.9).nesterov(true),
                                                               torch::optim::SGDOptions(0.05).momentum(0.9).nesterov(true));
}

TEST(MnistTraining, GradusSgdMomentumWithScheduleLearns) {
  TrainConfig c = subset_config();
  c.optimizer.name = "sgd";
  c.optimizer.lr = 0.05;
  c.optimizer.options["momentum"] = 0.9;
  c.scheduler.name = "linear-decay";
  auto run = examples::train(c, mnist(), "gradus");
  EXPECT_GE(run.epochs.back().test_accuracy, 0.90);
  EXPECT_EQ(run.steps.back().lr, 0.0);  // decayed linearly to 0 at the last step
}

TEST(MnistTraining, SameSeedGivesIdenticalMetrics) {
  TrainConfig c = subset_config();
  c.train_limit = 4000;
  c.log_interval = 10;
  auto a = examples::train(c, mnist(), "gradus");
  auto b = examples::train(c, mnist(), "gradus");
  ASSERT_EQ(a.steps.size(), b.steps.size());
  for (size_t i = 0; i < a.steps.size(); ++i) EXPECT_EQ(a.steps[i].loss, b.steps[i].loss) << "logged step " << i;
  EXPECT_EQ(a.epochs.back().test_loss, b.epochs.back().test_loss);
  EXPECT_EQ(a.epochs.back().test_accuracy, b.epochs.back().test_accuracy);
}

struct ResumeCase {
  std::string optimizer, model, scheduler;
  double lr;
};

void PrintTo(const ResumeCase& c, std::ostream* os) { *os << c.optimizer << " on " << c.model << ", " << c.scheduler; }

class MnistResume : public ::testing::TestWithParam<ResumeCase> {};

// Muon and SparseAdam resume their companion (AdamW, Adam) and its schedule too.
TEST_P(MnistResume, ResumedRunEndsWhereTheUninterruptedOneDoes) {
  TrainConfig c = subset_config();
  c.train_limit = 1500;
  c.test_limit = 500;
  c.evals_per_epoch = 1;
  c.epochs = 2;
  c.model = GetParam().model;
  c.optimizer.name = GetParam().optimizer;
  c.optimizer.lr = GetParam().lr;
  c.scheduler.name = GetParam().scheduler;
  auto straight = examples::train(c, mnist(), "gradus");
  const auto path = (std::filesystem::temp_directory_path() / ("gradus_ckpt_" + std::to_string(::getpid()))).string();
  TrainConfig first = c;  // the same run, interrupted after its first epoch
  first.stop_after_epoch = 1;
  first.checkpoint = path;
  examples::train(first, mnist(), "gradus");
  TrainConfig second = c;
  second.resume = path;
  auto resumed = examples::train(second, mnist(), "gradus");
  std::filesystem::remove(path);
  ASSERT_EQ(resumed.epochs.size(), 2u);
  EXPECT_EQ(resumed.epochs.back().test_loss, straight.epochs.back().test_loss);
  EXPECT_EQ(resumed.epochs.back().test_accuracy, straight.epochs.back().test_accuracy);
  EXPECT_GE(straight.epochs.back().test_accuracy, 0.75) << "the run did not learn";
  std::printf("%s: test accuracy %.3f\n", straight.label.c_str(), straight.epochs.back().test_accuracy);
}

// Every schedule kind resumes exactly: its state, and the smoothed loss that
// loss-adaptive is stepped with, are in the checkpoint.
INSTANTIATE_TEST_SUITE_P(Schedules, MnistResume,
                         ::testing::Values(ResumeCase{"adam", "mlp", "none", 0.002},
                                           ResumeCase{"adam", "mlp", "linear-decay", 0.002},
                                           ResumeCase{"adam", "mlp", "loss-adaptive", 0.002},
                                           ResumeCase{"adam", "mlp", "step", 0.002},
                                           ResumeCase{"adam", "mlp", "multistep", 0.002},
                                           ResumeCase{"adam", "mlp", "exponential", 0.002},
                                           ResumeCase{"adam", "mlp", "cosine", 0.002},
                                           ResumeCase{"adam", "mlp", "wsd", 0.002},
                                           ResumeCase{"adam", "mlp", "onecycle", 0.0005},
                                           ResumeCase{"sgd", "mlp", "cyclic", 0.02},
                                           ResumeCase{"adam", "mlp", "plateau", 0.002}),
                         [](const auto& info) {
                           std::string name = info.param.scheduler;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

INSTANTIATE_TEST_SUITE_P(Optimizers, MnistResume,
                         ::testing::Values(ResumeCase{"adam", "mlp", "warmup-cosine", 0.002},
                                           ResumeCase{"muon", "mlp", "onecycle", 0.02},
                                           ResumeCase{"sparse_adam", "sparse-mlp", "linear-decay", 0.003},
                                           // Its modes (x saved, y trained) and BatchNorm statistics at x.
                                           ResumeCase{"adamw-schedulefree", "cnn", "constant", 0.0025},
                                           ResumeCase{"lion", "mlp", "none", 3e-4}),
                         [](const auto& info) {
                           std::string name = info.param.optimizer;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// Muon takes the hidden 2-D weights, not the classifier's nor any bias;
// SparseAdam the sparse embedding. Their companions take the rest.
TEST(MnistTraining, MuonAndSparseAdamShareTheModelWithACompanion) {
  examples::OptimizerConfig config;
  config.name = "muon";
  auto cnn = examples::make_model("cnn", 1, 28, 28);
  auto muon = examples::make_optimizers(config, "gradus", *cnn);
  ASSERT_EQ(muon.main->param_groups()[0].params().size(), 1u);
  EXPECT_EQ(muon.main->param_groups()[0].params()[0].sizes(), at::IntArrayRef({128, 32 * 7 * 7}));
  EXPECT_EQ(muon.companion->param_groups()[0].params().size(), cnn->parameters().size() - 1);
  config.name = "sparse_adam";
  auto sparse = examples::make_model("sparse-mlp", 1, 28, 28);
  auto sparse_adam = examples::make_optimizers(config, "gradus", *sparse);
  ASSERT_EQ(sparse_adam.main->param_groups()[0].params().size(), 1u);
  EXPECT_EQ(sparse_adam.main->param_groups()[0].params()[0].sizes(), at::IntArrayRef({784, 128}));
  EXPECT_EQ(sparse_adam.companion->param_groups()[0].params().size(), 3u);
  // Dense optimizers refuse the sparse model before any step, and SparseAdam a dense one.
  config.name = "adam";
  EXPECT_THROW(examples::make_optimizers(config, "gradus", *sparse), c10::Error);
  config.name = "sparse_adam";
  EXPECT_THROW(examples::make_optimizers(config, "gradus", *cnn), c10::Error);
}

}  // namespace
}  // namespace testing
}  // namespace gradus
