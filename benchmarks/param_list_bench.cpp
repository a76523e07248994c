// step() on parameter lists of real shapes, gradus against torch::optim in
// the same run and with the same thread count:
//   resnet50   the 161 parameters of torchvision's ResNet-50 (25,557,032 params)
//   flat       one tensor of the same size (what the list should cost)
//   10k-x-100  10,000 tensors of 100 elements (many small tensors)
//   mnist-mlp  gradus-train's MNIST MLP (4 tensors, 101,770 params)
// plus the roof: an in-place streaming pass p.add_(g, alpha) over the same
// number of elements (12 bytes per element, no write-allocate).
// Then the same ratios once more, each from alternating steps of the two
// (paired_ratio.h): the median over N pairs and its quartiles, steadier on a
// shared machine than two benchmarks run one after the other.
//
// --busy runs it all beside one competing busy process (paired_ratio.h).
//
//   gradus_param_list_bench [--threads N] [--pairs N] [--busy] [google-benchmark flags]
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gradus/optim/adam.h>
#include <gradus/optim/sgd.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <numeric>
#include <thread>

#include "paired_ratio.h"
#include "resnet50_shapes.h"
#include "step_report.h"

namespace gradus {
namespace bench {
namespace {

using Shapes = std::vector<std::vector<int64_t>>;

int64_t numel_of(const Shapes& shapes) {
  int64_t n = 0;
  for (const auto& shape : shapes) {
    n += std::accumulate(shape.begin(), shape.end(), int64_t(1), std::multiplies<int64_t>());
  }
  return n;
}

std::vector<at::Tensor> make_params(const Shapes& shapes) {
  std::vector<at::Tensor> params;
  for (const auto& shape : shapes) {
    at::Tensor p = (at::rand(shape) * 0.01).set_requires_grad(true);
    p.mutable_grad() = at::rand(shape);
    params.push_back(p);
  }
  return params;
}

using Make = std::function<std::unique_ptr<torch::optim::Optimizer>(std::vector<at::Tensor>)>;

template <class Opt, class Options>
Make make(Options options) {
  return [options](std::vector<at::Tensor> params) { return std::make_unique<Opt>(params, options); };
}

struct Contender {
  std::string optimizer;
  double bytes_per_param;  // one fused pass over fp32 param, grad and state
  Make gradus, builtin;
};

std::vector<Contender> contenders() {
  return {{"Adam", 28, make<optim::Adam>(optim::AdamOptions(1e-3)),
           make<torch::optim::Adam>(torch::optim::AdamOptions(1e-3))},
          {"SGD", 20, make<optim::SGD>(optim::SGDOptions(1e-3).momentum(0.9)),
           make<torch::optim::SGD>(torch::optim::SGDOptions(1e-3).momentum(0.9))}};
}

void run_steps(benchmark::State& state, const Shapes& shapes, const Make& make_optimizer) {
  auto optimizer = make_optimizer(make_params(shapes));
  optimizer->step();  // creates the state outside the timed loop
  for (auto _ : state) optimizer->step();
}

void run_roof(benchmark::State& state, int64_t n) {
  at::Tensor p = at::rand({n}), g = at::rand({n});
  p.add_(g, -1e-9);
  for (auto _ : state) p.add_(g, -1e-9);
}

// A flag's value as a whole non-negative number, or exit naming the flag and the value.
int count_flag(const char* flag, const char* text) {
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < 0 || value > 1000000) {
    std::fprintf(stderr, "%s takes a whole number from 0 to 1000000, got '%s'\n", flag, text);
    std::exit(2);
  }
  return static_cast<int>(value);
}

using Lists = std::vector<std::pair<std::string, Shapes>>;

std::string quartiles(const PairedRatio& r) {
  char text[64];
  std::snprintf(text, sizeof text, "%.2fx [%.2f, %.2f]", r.median, r.lower_quartile, r.upper_quartile);
  return text;
}

// One optimizer's step as a call; the optimizer has taken its first step
// (state created) before it is timed.
std::function<void()> stepper(const Make& make_optimizer, const Shapes& shapes) {
  std::shared_ptr<torch::optim::Optimizer> optimizer = make_optimizer(make_params(shapes));
  optimizer->step();
  return [optimizer] { optimizer->step(); };
}

// Built-in time over gradus time on each list, and gradus's time on the
// first list over its time on the second (ResNet-50 against flat), each from
// `pairs` alternating pairs of steps.
void print_paired(const Lists& lists, int pairs) {
  std::printf("\nPaired: median of %d alternating pairs of steps [quartiles]\n", pairs);
  std::printf("%-10s %-9s %-26s\n", "list", "optimizer", "built-in time / gradus time");
  for (const auto& c : contenders()) {
    for (const auto& [list, shapes] : lists) {
      const PairedRatio r = paired_ratio(stepper(c.builtin, shapes), stepper(c.gradus, shapes), pairs);
      std::printf("%-10s %-9s %-26s\n", list.c_str(), c.optimizer.c_str(), quartiles(r).c_str());
    }
    const PairedRatio r =
        paired_ratio(stepper(c.gradus, lists[0].second), stepper(c.gradus, lists[1].second), pairs);
    std::printf("%-10s %-9s gradus on the %s list takes %s its time on the %s one\n", "", c.optimizer.c_str(),
                lists[0].first.c_str(), quartiles(r).c_str(), lists[1].first.c_str());
  }
}

std::string name(const std::string& kind, const std::string& list, const std::string& optimizer) {
  return kind + "/" + list + "/" + optimizer;
}

}  // namespace
}  // namespace bench
}  // namespace gradus

int main(int argc, char** argv) {
  using namespace gradus::bench;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int pairs = 40;
  bool busy = false;
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::max(1, count_flag("--threads", argv[++i]));
    else if (!std::strcmp(argv[i], "--pairs") && i + 1 < argc) pairs = count_flag("--pairs", argv[++i]);
    else if (!std::strcmp(argv[i], "--busy")) busy = true;
    else rest.push_back(argv[i]);
  }
  at::set_num_threads(threads);
  std::printf("threads: %d (gradus and built-in alike)%s\n", at::get_num_threads(),
              busy ? ", with one busy neighbour process" : "");
  std::unique_ptr<BusyNeighbour> neighbour(busy ? new BusyNeighbour : nullptr);

  const Shapes resnet = resnet50_shapes();
  const Lists lists = {
      {"resnet50", resnet}, {"flat", {{numel_of(resnet)}}}, {"10k-x-100", Shapes(10000, std::vector<int64_t>{100})},
      // gradus-train's MNIST MLP: 784-128-10, 101,770 params in 4 tensors.
      {"mnist-mlp", {{128, 784}, {128}, {10, 128}, {10}}}};
  for (const auto& c : contenders()) {
    for (const auto& [list, shapes] : lists) {
      for (const char* kind : {"builtin", "gradus"}) {
        const Make m = std::string(kind) == "gradus" ? c.gradus : c.builtin;
        const Shapes s = shapes;
        benchmark::RegisterBenchmark(name(kind, list, c.optimizer).c_str(),
                                     [m, s](benchmark::State& st) { run_steps(st, s, m); })
            ->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(0.5);
      }
    }
  }
  for (const auto& [list, shapes] : lists) {
    const int64_t n = numel_of(shapes);
    benchmark::RegisterBenchmark(name("roof", list, "-").c_str(), [n](benchmark::State& st) { run_roof(st, n); })
        ->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(0.5);
  }
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  StepReport report;
  benchmark::RunSpecifiedBenchmarks(&report);

  const auto& t = report.seconds();
  auto time = [&](const std::string& key) { auto it = t.find(key); return it == t.end() ? 0.0 : it->second; };
  std::printf("\n%-10s %-9s %8s %11s %12s %10s %8s %11s %9s %8s\n", "list", "optimizer", "tensors", "params",
              "builtin ms", "gradus ms", "speedup", "gradus GB/s", "roof GB/s", "of roof");
  for (const auto& c : contenders()) {
    for (const auto& [list, shapes] : lists) {
      const double g = time(name("gradus", list, c.optimizer)), b = time(name("builtin", list, c.optimizer));
      const double roof = time(name("roof", list, "-"));
      if (g == 0) continue;
      const double n = double(numel_of(shapes));
      const double gbps = c.bytes_per_param * n / g / 1e9, roof_gbps = roof > 0 ? 12.0 * n / roof / 1e9 : 0;
      std::printf("%-10s %-9s %8zu %11.0f %12.3f %10.3f %7.2fx %11.2f %9.2f %7.0f%%\n", list.c_str(),
                  c.optimizer.c_str(), shapes.size(), n, b * 1e3, g * 1e3, b > 0 ? b / g : 0.0, gbps, roof_gbps,
                  roof_gbps > 0 ? 100 * gbps / roof_gbps : 0.0);
    }
    const double list_s = time(name("gradus", "resnet50", c.optimizer)), flat_s = time(name("gradus", "flat", c.optimizer));
    if (list_s > 0 && flat_s > 0) {
      std::printf("%-10s %-9s gradus on the ResNet-50 list takes %.2fx its time on one flat tensor\n", "", c.optimizer.c_str(),
                  list_s / flat_s);
    }
  }
  if (pairs > 0) print_paired(lists, pairs);
  benchmark::Shutdown();
  return 0;
}
