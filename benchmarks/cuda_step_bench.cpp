// step() of each gradus optimizer against LibTorch's built-in one on CUDA,
// on a ResNet-50-shaped parameter list (161 tensors, 25.6M parameters) and a
// flat list of 100M parameters, plus the device-to-device copy bandwidth, in
// one run. Prints one line per (list, optimizer) in the format
// scripts/gpu-check.sh reads. graph_ms: a capturable gradus step replayed
// from a CUDA graph, the device's time without the host's per-tensor work. No Google Benchmark: a machine with only PyTorch's wheel lacks it.
#include <ATen/ATen.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <gradus/gradus.h>
#include <torch/cuda.h>
#include <torch/optim/adagrad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <type_traits>
#include <memory>

#include "resnet50_shapes.h"

namespace {

using gradus::bench::resnet50_shapes;

// (params, capturable): the built-ins have no capturable option and ignore it.
using Make = std::function<std::unique_ptr<torch::optim::Optimizer>(std::vector<at::Tensor>, bool)>;

template <class O, class Options>
Make make(Options options) {
  return [options](std::vector<at::Tensor> p, bool capturable) {
    auto o = options;
    if constexpr (std::is_base_of_v<gradus::optim::FusedOptionsBase, Options>) o.capturable(capturable);
    return std::make_unique<O>(p, o);
  };
}

double seconds_per_step(torch::optim::Optimizer& opt, int iterations) {
  opt.step();  // state, warm-up
  torch::cuda::synchronize();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) opt.step();
  torch::cuda::synchronize();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / iterations;
}

// One step captured on a side stream (after an eager one made the state),
// then replayed: no host work per replay.
double graph_seconds_per_step(torch::optim::Optimizer& opt, int iterations) {
  c10::cuda::CUDAStreamGuard guard(c10::cuda::getStreamFromPool());
  opt.step();
  torch::cuda::synchronize();
  at::cuda::CUDAGraph graph;
  graph.capture_begin();
  opt.step();
  graph.capture_end();
  graph.replay();
  torch::cuda::synchronize();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) graph.replay();
  torch::cuda::synchronize();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / iterations;
}

std::vector<at::Tensor> params_for(const std::vector<std::vector<int64_t>>& shapes) {
  std::vector<at::Tensor> params;
  for (const auto& shape : shapes) {
    at::Tensor p = at::rand(shape, at::TensorOptions().device(at::kCUDA)).mul_(0.01).set_requires_grad(true);
    p.mutable_grad() = at::rand(shape, at::TensorOptions().device(at::kCUDA));
    params.push_back(p);
  }
  return params;
}

double copy_gbps(int64_t n) {
  at::Tensor src = at::rand({n}, at::TensorOptions().device(at::kCUDA)), dst = at::empty_like(src);
  dst.copy_(src);
  torch::cuda::synchronize();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) dst.copy_(src);
  torch::cuda::synchronize();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / 20;
  return 8.0 * double(n) / s / 1e9;
}

}  // namespace

int main() {
  if (!torch::cuda::is_available()) {
    std::printf("no CUDA device\n");
    return 1;
  }
  struct Contender {
    const char* name;
    double bytes;  // per fp32 parameter, one fused pass
    Make gradus, builtin;
  };
  const std::vector<Contender> contenders = {
      {"SGD", 20, make<gradus::optim::SGD>(gradus::optim::SGDOptions(1e-3).momentum(0.9)),
       make<torch::optim::SGD>(torch::optim::SGDOptions(1e-3).momentum(0.9))},
      {"Adam", 28, make<gradus::optim::Adam>(gradus::optim::AdamOptions(1e-3)),
       make<torch::optim::Adam>(torch::optim::AdamOptions(1e-3))},
      {"AdamW", 28, make<gradus::optim::AdamW>(gradus::optim::AdamWOptions(1e-3)),
       make<torch::optim::AdamW>(torch::optim::AdamWOptions(1e-3))},
      {"Adagrad", 20, make<gradus::optim::Adagrad>(gradus::optim::AdagradOptions(1e-3)),
       make<torch::optim::Adagrad>(torch::optim::AdagradOptions(1e-3))},
      {"RMSprop", 20, make<gradus::optim::RMSprop>(gradus::optim::RMSpropOptions(1e-3)),
       make<torch::optim::RMSprop>(torch::optim::RMSpropOptions(1e-3))},
      {"Adadelta", 28, make<gradus::optim::Adadelta>(gradus::optim::AdadeltaOptions(1.0)), nullptr},
      {"Adamax", 28, make<gradus::optim::Adamax>(gradus::optim::AdamaxOptions(2e-3)), nullptr},
      {"RAdam", 28, make<gradus::optim::RAdam>(gradus::optim::RAdamOptions(1e-3)), nullptr},
      {"NAdam", 28, make<gradus::optim::NAdam>(gradus::optim::NAdamOptions(2e-3)), nullptr},
      {"ASGD", 20, make<gradus::optim::ASGD>(gradus::optim::ASGDOptions(1e-2).t0(0)), nullptr},
      {"Rprop", 28, make<gradus::optim::Rprop>(gradus::optim::RpropOptions(1e-2)), nullptr},
  };
  const std::vector<std::pair<const char*, std::vector<std::vector<int64_t>>>> lists = {
      {"resnet50", resnet50_shapes()}, {"flat100M", std::vector<std::vector<int64_t>>(8, {12500000})}};
  const double copy = copy_gbps(int64_t(1) << 28);
  std::printf("copy_gbps %.1f\n", copy);
  for (const auto& [list_name, shapes] : lists) {
    int64_t numel = 0;
    for (const auto& s : shapes) numel += c10::multiply_integers(s);
    std::printf("list %s tensors %zu params %lld\n", list_name, shapes.size(), static_cast<long long>(numel));
    for (const auto& c : contenders) {
      auto gp = params_for(shapes);
      auto g = c.gradus(gp, false);
      const double gs = seconds_per_step(*g, 50);
      double bs = 0;
      if (c.builtin) {
        auto bp = params_for(shapes);
        auto b = c.builtin(bp, false);
        bs = seconds_per_step(*b, 20);
      }
      auto cp = params_for(shapes);
      const double cs = graph_seconds_per_step(*c.gradus(cp, true), 50);
      const double bytes = c.bytes * double(numel), gbps = bytes / gs / 1e9;
      std::printf("row %s %s gradus_ms %.4f builtin_ms %.4f gbps %.1f copy_pct %.1f graph_ms %.4f graph_copy_pct %.1f\n",
                  list_name, c.name, gs * 1e3, bs * 1e3, gbps, 100 * gbps / copy, cs * 1e3, 100 * bytes / cs / 1e9 / copy);
    }
  }
  return 0;
}
