#include "distributed/workers.h"

#include <gradus/distributed/gradient_averager.h>
#include <gradus/distributed/zero_redundancy_optimizer.h>
#include <gradus/optim/adam.h>
#include <gradus/optim/rmsprop.h>
#include <gradus/optim/sgd.h>
#include <gradus/schedulers/step_lr.h>
#include <torch/torch.h>

#include <cstdlib>
#include <fstream>
#include <iostream>

namespace gradus_test {
namespace {

namespace dist = gradus::distributed;

std::string env(const char* name, const std::string& fallback = "") {
  const char* value = std::getenv(name);
  return value ? value : fallback;
}

int env_int(const char* name, int fallback) { return std::stoi(env(name, std::to_string(fallback))); }

std::shared_ptr<dist::ProcessGroup> make_group() {
  dist::ProcessGroupOptions options;
  options.rank = env_int("RANK", 0);
  options.world_size = env_int("WORLD_SIZE", 1);
  options.init_method = env("GRADUS_TEST_INIT");
  options.timeout = std::chrono::seconds(env_int("GRADUS_TEST_TIMEOUT_S", 60));
  return std::make_shared<dist::ProcessGroup>(options);
}

// The model: a 10-24-16-3 tanh MLP in double, its weights in param group 0
// and its biases in group 1 (at half the lr).
struct Model {
  std::vector<at::Tensor> weights, biases;
  Model() {
    torch::manual_seed(7);
    auto make = [](std::vector<int64_t> shape) {
      return (torch::randn(shape, torch::kDouble) * 0.3).requires_grad_();
    };
    weights = {make({24, 10}), make({16, 24}), make({3, 16})};
    biases = {make({24}), make({16}), make({3})};
  }
  std::vector<at::Tensor> all() const {
    std::vector<at::Tensor> out = weights;
    out.insert(out.end(), biases.begin(), biases.end());
    return out;
  }
  at::Tensor loss(const at::Tensor& x, const at::Tensor& target) const {
    at::Tensor h = torch::tanh(torch::addmm(biases[0], x, weights[0].t()));
    h = torch::tanh(torch::addmm(biases[1], h, weights[1].t()));
    return torch::mse_loss(torch::addmm(biases[2], h, weights[2].t()), target);
  }
};

constexpr int64_t kBatch = 12;

// Step `step`'s batch, the same on every rank; each takes its rows.
std::pair<at::Tensor, at::Tensor> batch_slice(int step, int rank, int world_size) {
  torch::manual_seed(1000 + step);
  at::Tensor x = torch::randn({kBatch, 10}, torch::kDouble);
  at::Tensor target = torch::randn({kBatch, 3}, torch::kDouble);
  const int64_t begin = kBatch * rank / world_size, end = kBatch * (rank + 1) / world_size;
  return {x.slice(0, begin, end), target.slice(0, begin, end)};
}

template <class Opt, class Options>
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const Model& model, Options defaults, bool zero,
                                                        const std::shared_ptr<dist::ProcessGroup>& group) {
  Options half = defaults;
  half.lr(defaults.lr() * 0.5);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(model.weights);
  groups.emplace_back(model.biases, std::make_unique<Options>(half));
  if (zero) return dist::make_zero_redundancy<Opt>(std::move(groups), defaults, group, /*bucket_bytes=*/512);
  return std::make_unique<Opt>(std::move(groups), defaults);
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const std::string& name, const Model& model, bool zero,
                                                        const std::shared_ptr<dist::ProcessGroup>& group) {
  if (name == "adam") return make_optimizer<gradus::optim::Adam>(model, gradus::optim::AdamOptions(1e-2), zero, group);
  if (name == "sgd") {
    return make_optimizer<gradus::optim::SGD>(model, gradus::optim::SGDOptions(0.05).momentum(0.9), zero, group);
  }
  if (name == "rmsprop") {
    return make_optimizer<gradus::optim::RMSprop>(model, gradus::optim::RMSpropOptions(1e-2), zero, group);
  }
  if (name == "torch_adam") return make_optimizer<torch::optim::Adam>(model, torch::optim::AdamOptions(1e-2), zero, group);
  throw std::invalid_argument("unknown optimizer " + name);
}

void save_archive(const std::function<void(torch::serialize::OutputArchive&)>& write, const std::string& path) {
  torch::serialize::OutputArchive archive;
  write(archive);
  archive.save_to(path);
}

// Trains the model from step START to STEPS with MODE zero (ZeRO-1), dp
// (the whole optimizer on every rank) or single (one process, whole batch).
int train() {
  const std::string mode = env("GRADUS_TEST_MODE");
  const bool single = mode == "single";
  auto group = single ? nullptr : make_group();
  const int rank = single ? 0 : group->rank(), world_size = single ? 1 : group->size();
  torch::set_num_threads(1);
  Model model;
  auto optimizer = make_optimizer(env("GRADUS_TEST_OPTIMIZER"), model, mode == "zero", group);
  gradus::schedulers::StepLR scheduler(*optimizer, gradus::schedulers::StepLROptions(5).gamma(0.5));
  std::unique_ptr<dist::GradientAverager> averager;
  if (!single) averager = std::make_unique<dist::GradientAverager>(group, model.all(), /*bucket_bytes=*/1024);
  const int start = env_int("GRADUS_TEST_START", 0), steps = env_int("GRADUS_TEST_STEPS", 20);
  if (start > 0) {
    const std::string dir = env("GRADUS_TEST_RESUME_DIR");
    std::vector<at::Tensor> saved;
    torch::load(saved, dir + "/params.pt");
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < saved.size(); ++i) model.all()[i].copy_(saved[i]);
    torch::load(*optimizer, dir + "/optimizer.pt");
    torch::serialize::InputArchive archive;
    archive.load_from(dir + "/scheduler.pt");
    scheduler.load(archive);
  }
  const int save_at = env_int("GRADUS_TEST_SAVE_AT", -1);
  for (int step = start; step < steps; ++step) {
    const auto [x, target] = batch_slice(step, rank, world_size);
    optimizer->step([&] {
      for (auto& p : model.all()) p.mutable_grad() = at::Tensor();
      at::Tensor loss = model.loss(x, target);
      loss.backward();
      if (averager) averager->average();
      return loss;
    });
    scheduler.step();
    if (step + 1 == save_at) {
      auto* zero = dynamic_cast<dist::ZeroRedundancyOptimizer*>(optimizer.get());
      if (zero) zero->consolidate_state(0);
      if (rank == 0) {
        const std::string dir = env("GRADUS_TEST_SAVE_DIR");
        torch::save(model.all(), dir + "/params.pt");
        torch::save(*optimizer, dir + "/optimizer.pt");
        save_archive([&](auto& a) { scheduler.save(a); }, dir + "/scheduler.pt");
      }
    }
  }
  if (rank == 0) torch::save(model.all(), env("GRADUS_TEST_OUT"));
  return 0;
}

// ZeRO-1 Adam over about 10.5M float parameters (42 tensors of 250,000):
// each rank writes the bytes of its optimizer state after one step.
int memory() {
  auto group = make_group();
  torch::set_num_threads(1);
  std::vector<at::Tensor> params;
  for (int i = 0; i < 42; ++i) {
    params.push_back(torch::zeros({500, 500}, torch::kFloat).requires_grad_());
    params.back().mutable_grad() = torch::full({500, 500}, 0.5f);
  }
  auto optimizer = dist::make_zero_redundancy<gradus::optim::Adam>(params, gradus::optim::AdamOptions(1e-3), group);
  optimizer->step();
  std::ofstream(env("GRADUS_TEST_OUT") + "." + std::to_string(group->rank())) << optimizer->local_state_bytes();
  return 0;
}

// Rank 1 stops (as if killed) once the job has started; rank 0 goes on
// averaging gradients and must get an error, not hang.
int dead_rank() {
  auto group = make_group();
  Model model;
  dist::GradientAverager averager(group, model.all());
  if (group->rank() == 1) std::_Exit(3);
  for (auto& p : model.all()) p.mutable_grad() = torch::ones_like(p);
  try {
    for (int i = 0; i < 1000; ++i) averager.average();
  } catch (const c10::Error& e) {
    std::cout << "ERROR: " << e.what_without_backtrace() << std::endl;
    return 0;
  }
  std::cout << "no error" << std::endl;
  return 1;
}

// The ranks give ZeRO different lrs: every rank must refuse to start.
int different_settings() {
  auto group = make_group();
  Model model;
  const double lr = group->rank() == 1 ? 0.02 : 0.01;
  try {
    dist::make_zero_redundancy<gradus::optim::Adam>(model.all(), gradus::optim::AdamOptions(lr), group);
  } catch (const c10::Error& e) {
    std::cout << "ERROR: " << e.what_without_backtrace() << std::endl;
    return 0;
  }
  std::cout << "no error" << std::endl;
  return 1;
}

}  // namespace

int run_worker(const std::string& name) {
  try {
    if (name == "train") return train();
    if (name == "memory") return memory();
    if (name == "dead_rank") return dead_rank();
    if (name == "different_settings") return different_settings();
    std::cerr << "unknown worker " << name << std::endl;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "worker " << name << " failed: " << e.what() << std::endl;
    return 1;
  }
}

}  // namespace gradus_test
