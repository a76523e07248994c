// gradus-train under --amp on real MNIST (a small subset): bf16 autocast
// with clipping learns and resumes exactly; fp16 scales the loss, keeps the
// scaler in the checkpoint and resumes exactly where this LibTorch
// autocasts fp16 on the CPU, and is refused, naming the version, where not.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <unistd.h>

#include <gradus/amp.h>
#include <torch/version.h>

#include "datasets.h"
#include "examples_mnist.h"
#include "trainer.h"

namespace gradus {
namespace testing {
namespace {

using examples::TrainConfig;

TrainConfig amp_config(const std::string& amp) {
  TrainConfig c;
  c.model = "mlp";
  c.optimizer.name = "adam";
  c.optimizer.lr = 0.002;
  c.batch_size = 32;
  c.epochs = 2;
  c.train_limit = 1500;
  c.test_limit = 500;
  c.evals_per_epoch = 1;
  c.log_interval = 1000000;
  c.amp = amp;
  c.clip_grad_norm = 1.0;
  return c;
}

std::string scratch(const std::string& name) {
  return (std::filesystem::temp_directory_path() / (name + std::to_string(::getpid()))).string();
}

// The run interrupted after its first epoch and resumed ends where the
// uninterrupted one does; returns the uninterrupted run.
examples::RunMetrics expect_exact_resume(const TrainConfig& c) {
  const auto straight = examples::train(c, mnist(), "gradus");
  const std::string path = scratch("gradus_amp_ckpt_");
  TrainConfig first = c;
  first.stop_after_epoch = 1;
  first.checkpoint = path;
  examples::train(first, mnist(), "gradus");
  TrainConfig second = c;
  second.resume = path;
  const auto resumed = examples::train(second, mnist(), "gradus");
  std::filesystem::remove(path);
  EXPECT_EQ(resumed.epochs.back().test_loss, straight.epochs.back().test_loss);
  EXPECT_EQ(resumed.epochs.back().test_accuracy, straight.epochs.back().test_accuracy);
  return straight;
}

TEST(AmpTraining, Bf16WithClippingLearnsAndResumesExactly) {
  const auto run = expect_exact_resume(amp_config("bf16"));
  EXPECT_EQ(run.precision, "bf16");
  EXPECT_GE(run.epochs.back().test_accuracy, 0.75) << "the run did not learn";
}

TEST(AmpTraining, Fp16KeepsItsScalerInTheCheckpointOrIsRefused) {
  const TrainConfig c = amp_config("fp16");
  if (!amp::Autocast::supported(at::kCPU, at::kHalf)) {
    try {
      examples::train(c, mnist(), "gradus");
      FAIL() << "--amp fp16 on a CPU this LibTorch does not autocast in fp16 ran";
    } catch (const c10::Error& e) {
      EXPECT_NE(std::string(e.what()).find("--amp fp16 on cpu: LibTorch " + std::to_string(TORCH_VERSION_MAJOR) +
                                           "." + std::to_string(TORCH_VERSION_MINOR) + " cannot autocast it"),
                std::string::npos)
          << e.what();
    }
    return;
  }
  const auto run = expect_exact_resume(c);
  EXPECT_EQ(run.precision, "fp16");
  EXPECT_GE(run.epochs.back().test_accuracy, 0.75) << "the run did not learn";
  // A checkpoint with a scaler does not resume a run without one.
  const std::string path = scratch("gradus_amp_fp16_ckpt_");
  TrainConfig first = c;
  first.stop_after_epoch = 1;
  first.checkpoint = path;
  examples::train(first, mnist(), "gradus");
  TrainConfig other = amp_config("none");
  other.resume = path;
  try {
    examples::train(other, mnist(), "gradus");
    ADD_FAILURE() << "an fp16 checkpoint resumed an fp32 run";
  } catch (const c10::Error& e) {
    EXPECT_NE(std::string(e.what()).find("written with a GradScaler"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace testing
}  // namespace gradus
