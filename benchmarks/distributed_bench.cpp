// One rank of the data-parallel benchmark (scripts/bench-distributed.sh
// starts 1 and 2 of them): per step, the gradient all-reduce of a
// ResNet-50-shaped parameter list (25.6M float parameters), then Adam,
// either whole on every rank (plain data parallelism) or ZeRO-1 (each rank
// its shard, then the shards broadcast). Prints the mean over ranks of each
// part's time, and the all-reduce's bandwidth.
#include <ATen/Parallel.h>
#include <gradus/distributed/gradient_averager.h>
#include <gradus/distributed/zero_redundancy_optimizer.h>
#include <gradus/optim/adam.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "resnet50_shapes.h"

namespace {

namespace dist = gradus::distributed;
constexpr int kSteps = 10;

double mean_ms(dist::ProcessGroup& group, const std::function<void()>& f) {
  f();  // warm-up: state, buffers
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kSteps; ++i) f();
  at::Tensor ms = torch::full({1}, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / kSteps, torch::kDouble);
  group.all_reduce_sum(ms);
  return ms.item<double>() / group.size();
}

}  // namespace

int main() {
  const char* threads = std::getenv("GRADUS_BENCH_THREADS");
  at::set_num_threads(threads ? std::atoi(threads) : 1);
  auto options = dist::ProcessGroupOptions::from_environment();
  auto group = std::make_shared<dist::ProcessGroup>(options);
  std::vector<at::Tensor> params;
  int64_t numel = 0;
  for (const auto& shape : gradus::bench::resnet50_shapes()) {
    params.push_back(torch::randn(shape).requires_grad_());
    params.back().mutable_grad() = torch::randn(shape) * 1e-3;
    numel += params.back().numel();
  }
  dist::GradientAverager averager(group, params);
  const double all_reduce = mean_ms(*group, [&] { averager.average(); });
  gradus::optim::Adam whole(params, gradus::optim::AdamOptions(1e-3));
  const double whole_step = mean_ms(*group, [&] { whole.step(); });
  auto zero = dist::make_zero_redundancy<gradus::optim::Adam>(params, gradus::optim::AdamOptions(1e-3), group);
  const double zero_step = mean_ms(*group, [&] { zero->step(); });
  const double zero_local = mean_ms(*group, [&] { zero->local_optimizer().step(); });
  if (group->rank() == 0) {
    const double bytes = double(numel) * 4;
    std::printf(
        "{\"ranks\": %d, \"threads_per_rank\": %d, \"params\": %lld, \"all_reduce_ms\": %.3f, "
        "\"all_reduce_GBps\": %.3f, \"adam_whole_ms\": %.3f, \"zero_step_ms\": %.3f, \"zero_local_ms\": %.3f, "
        "\"zero_broadcast_ms\": %.3f}\n",
        group->size(), at::get_num_threads(), static_cast<long long>(numel), all_reduce,
        group->size() > 1 ? bytes / all_reduce / 1e6 : 0.0, whole_step, zero_step, zero_local, zero_step - zero_local);
  }
  return 0;
}
