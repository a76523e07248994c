// step() of each gradus optimizer against its torch::optim counterpart on one
// float32 parameter of 1M, 10M and 50M elements, with the same thread count,
// plus the machine's copy bandwidth at the same sizes, in one run.
//
//   gradus_optimizer_bench [--threads N] [--sizes 1000000,10000000] [google-benchmark flags]
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gradus/gradus.h>
#include <torch/optim/adagrad.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

#include <cstring>
#include <functional>
#include <memory>
#include <thread>
#include <type_traits>

#include "step_report.h"

namespace gradus {
namespace bench {
namespace {

using Make = std::function<std::unique_ptr<torch::optim::Optimizer>(std::vector<at::Tensor>)>;

struct Contender {
  std::string optimizer;
  double bytes_per_param;  // one fused pass over fp32 param, grad and state
  Make gradus;
  Make builtin;  // empty where LibTorch has none
};

template <class Opt, class Options>
Make make(Options options) {
  return [options](std::vector<at::Tensor> params) {
    auto optimizer = std::make_unique<Opt>(params, options);
    if constexpr (std::is_base_of_v<optim::TrainEvalModes, Opt>) optimizer->train();  // Schedule-Free
    return optimizer;
  };
}

std::vector<Contender> contenders() {
  return {
      // read param, grad, momentum buffer; write param, buffer
      {"SGD", 20, make<optim::SGD>(optim::SGDOptions(1e-3).momentum(0.9)),
       make<torch::optim::SGD>(torch::optim::SGDOptions(1e-3).momentum(0.9))},
      // read param, grad, exp_avg, exp_avg_sq; write param, exp_avg, exp_avg_sq
      {"Adam", 28, make<optim::Adam>(optim::AdamOptions(1e-3)),
       make<torch::optim::Adam>(torch::optim::AdamOptions(1e-3))},
      {"AdamW", 28, make<optim::AdamW>(optim::AdamWOptions(1e-3)),
       make<torch::optim::AdamW>(torch::optim::AdamWOptions(1e-3))},
      // read param, grad, sum; write param, sum
      {"Adagrad", 20, make<optim::Adagrad>(optim::AdagradOptions(1e-3)),
       make<torch::optim::Adagrad>(torch::optim::AdagradOptions(1e-3))},
      // read param, grad, square_avg; write param, square_avg
      {"RMSprop", 20, make<optim::RMSprop>(optim::RMSpropOptions(1e-3)),
       make<torch::optim::RMSprop>(torch::optim::RMSpropOptions(1e-3))},
      // read param, grad, square_avg, acc_delta; write param, square_avg, acc_delta
      {"Adadelta", 28, make<optim::Adadelta>(optim::AdadeltaOptions(1.0)), nullptr},
      // read param, grad, exp_avg, exp_inf (exp_avg_sq); write param and both
      {"Adamax", 28, make<optim::Adamax>(optim::AdamaxOptions(2e-3)), nullptr},
      {"RAdam", 28, make<optim::RAdam>(optim::RAdamOptions(1e-3)), nullptr},
      {"NAdam", 28, make<optim::NAdam>(optim::NAdamOptions(2e-3)), nullptr},
      // read param, grad, ax; write param, ax
      {"ASGD", 20, make<optim::ASGD>(optim::ASGDOptions(1e-2).t0(0)), nullptr},
      // Two passes over a vector: the norms (read param, grad, variance), then
      // the update (read param, grad, variance; write param, variance).
      {"Adafactor", 32, make<optim::Adafactor>(optim::AdafactorOptions(1e-2)), nullptr},
      // read param, grad, prev, step_size; write param, prev, step_size
      {"Rprop", 28, make<optim::Rprop>(optim::RpropOptions(1e-2)), nullptr},
      // read param, grad, exp_avg; write param, exp_avg
      {"Lion", 20, make<optim::Lion>(optim::LionOptions(1e-4)), nullptr},
      {"ADOPT", 28, make<optim::ADOPT>(optim::ADOPTOptions(1e-3)), nullptr},
      // read param, grad and three moments; write param and the moments
      {"AdEMAMix", 36, make<optim::AdEMAMix>(optim::AdEMAMixOptions(1e-3)), nullptr},
      // Two passes: the norms (read param, grad, exp_avg, exp_avg_sq), then
      // Adam's update (28).
      {"LAMB", 44, make<optim::LAMB>(optim::LAMBOptions(1e-3)), nullptr},
      // Two passes: the norms (read param, grad), then SGD's update (20).
      {"LARS", 28, make<optim::LARS>(optim::LARSOptions(0.1).momentum(0.9)), nullptr},
      // read y, grad, z; write y, z
      {"SGDScheduleFree", 20, make<optim::SGDScheduleFree>(optim::SGDScheduleFreeOptions(1.0)), nullptr},
      // read y, grad, z, exp_avg_sq; write y, z, exp_avg_sq
      {"AdamWScheduleFree", 28, make<optim::AdamWScheduleFree>(optim::AdamWScheduleFreeOptions(0.0025)), nullptr},
      {"RAdamScheduleFree", 28, make<optim::RAdamScheduleFree>(optim::RAdamScheduleFreeOptions(0.0025)), nullptr},
  };
}

void run_steps(benchmark::State& state, const Make& make_optimizer) {
  const int64_t n = state.range(0);
  at::Tensor param = (at::rand({n}) * 0.01).set_requires_grad(true);
  param.mutable_grad() = at::rand({n});
  auto optimizer = make_optimizer({param});
  optimizer->step();  // creates the state outside the timed loop
  for (auto _ : state) optimizer->step();
}

void run_copy(benchmark::State& state) {
  const int64_t n = state.range(0);
  at::Tensor src = at::rand({n}), dst = at::empty({n});
  dst.copy_(src);
  for (auto _ : state) dst.copy_(src);
  state.SetBytesProcessed(state.iterations() * n * 8);
}

std::vector<int64_t> parse_sizes(const std::string& list) {
  std::vector<int64_t> sizes;
  size_t start = 0;
  while (start < list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    sizes.push_back(std::stoll(list.substr(start, comma - start)));
    start = comma + 1;
  }
  return sizes;
}

}  // namespace
}  // namespace bench
}  // namespace gradus

int main(int argc, char** argv) {
  using namespace gradus::bench;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<int64_t> sizes = {1000000, 10000000, 50000000};
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--sizes") && i + 1 < argc) sizes = parse_sizes(argv[++i]);
    else rest.push_back(argv[i]);
  }
  at::set_num_threads(threads);
  std::printf("threads: %d (gradus and built-in alike)\n", at::get_num_threads());

  std::map<std::string, double> bytes_per_param;
  for (const auto& c : contenders()) {
    bytes_per_param[c.optimizer] = c.bytes_per_param;
    for (int64_t n : sizes) {
      for (const char* kind : {"builtin", "gradus"}) {
        const Make& m = std::string(kind) == "gradus" ? c.gradus : c.builtin;
        if (!m) continue;
        benchmark::RegisterBenchmark(bench_name(kind, c.optimizer, n).c_str(),
                                     [m](benchmark::State& s) { run_steps(s, m); })
            ->Arg(n)->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(0.3);
      }
    }
  }
  for (int64_t n : sizes) {
    benchmark::RegisterBenchmark(bench_name("copy", "-", n).c_str(), run_copy)
        ->Arg(n)->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(0.3);
  }
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  StepReport report;
  benchmark::RunSpecifiedBenchmarks(&report);
  report.print_summary(bytes_per_param);
  benchmark::Shutdown();
  return 0;
}
