// Adam's step over one 10M-element param in each low-memory format
// (gradus/optim/precision.h): its time as a ratio to gradus's float32 Adam
// in the same run (paired, alternating), and its effective bandwidth
// against the bytes the format moves, next to the copy bandwidth.
//
// On CUDA (--device cuda) each timed step ends with a device sync.
//
//   gradus_low_memory_bench [--device cpu|cuda] [--threads N] [--numel N] [--pairs N] [--busy]
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gradus/gradus.h>
#include <torch/cuda.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "paired_ratio.h"

namespace gradus {
namespace bench {
namespace {

using optim::Compensation;
using optim::StatePrecision;

struct Format {
  std::string name;
  at::ScalarType param_dtype;
  StatePrecision state;
  Compensation compensation;
  // Bytes one step moves per param: param read and written, grad read,
  // each of the two state tensors read and written (int8: a code and 4
  // bytes of scale per 256), and the Kahan buffer read and written.
  double bytes_per_param;
};

const double kInt8 = 1 + 4.0 / 256;

std::vector<Format> formats() {
  return {
      {"fp32 params, fp32 state", at::kFloat, StatePrecision::float32, Compensation::none, 4 + 4 + 4 + 2 * (4 + 4)},
      {"fp32 params, bf16 state", at::kFloat, StatePrecision::bfloat16, Compensation::none, 12 + 2 * (2 + 2)},
      {"fp32 params, int8 state", at::kFloat, StatePrecision::int8, Compensation::none, 12 + 2 * 2 * kInt8},
      {"bf16 params, fp32 state", at::kBFloat16, StatePrecision::float32, Compensation::none, 6 + 16},
      {"bf16 params + kahan, fp32 state", at::kBFloat16, StatePrecision::float32, Compensation::kahan, 6 + 16 + 4},
      {"bf16 params + sr, fp32 state", at::kBFloat16, StatePrecision::float32, Compensation::stochastic_rounding,
       6 + 16},
      {"bf16 params + kahan, int8 state", at::kBFloat16, StatePrecision::int8, Compensation::kahan,
       6 + 2 * 2 * kInt8 + 4},
      {"fp16 params + kahan, fp32 state", at::kHalf, StatePrecision::float32, Compensation::kahan, 6 + 16 + 4},
      {"fp16 params + sr, fp32 state", at::kHalf, StatePrecision::float32, Compensation::stochastic_rounding, 6 + 16},
  };
}

at::Device device = at::kCPU;

// Waits for the device's queued work (nothing on the CPU).
void finish() {
  if (device.is_cuda()) torch::cuda::synchronize();
}

struct Run {
  at::Tensor param;
  std::unique_ptr<optim::Adam> adam;
  void step() {
    adam->step();
    finish();
  }
};

Run make_run(const Format& f, int64_t numel) {
  Run r;
  r.param = at::randn({numel}).to(device, f.param_dtype).set_requires_grad(true);
  r.param.mutable_grad() = at::randn({numel}).mul(1e-2).to(device, f.param_dtype);
  r.adam = std::make_unique<optim::Adam>(
      std::vector<at::Tensor>{r.param},
      optim::AdamOptions(1e-3).state_precision(f.state).compensation(f.compensation));
  r.adam->step();  // the state exists from here on
  return r;
}

double median_ms(const std::function<void()>& fn, int reps) {
  std::vector<double> times;
  for (int i = 0; i < reps; ++i) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

int run(int64_t numel, int pairs) {
  at::Tensor src = at::randn({numel}).to(device), dst = at::empty({numel}, src.options());
  const double copy_ms = median_ms([&] {
    dst.copy_(src);
    finish();
  }, 21);
  const double copy_gbs = 8.0 * double(numel) / copy_ms / 1e6;  // read and write
  std::printf("%s: %lld elements, %d threads; copy: %.2f ms, %.1f GB/s (read + write)\n", device.str().c_str(), (long long)numel,
              at::get_num_threads(), copy_ms, copy_gbs);
  std::printf("%-34s %8s %8s %9s %8s %8s  %s\n", "format", "B/param", "ms", "GB/s", "of copy", "time /", "[quartiles]");
  std::printf("%-34s %8s %8s %9s %8s %8s\n", "", "", "", "", "", "fp32");
  Run base = make_run(formats()[0], numel);
  for (const Format& f : formats()) {
    Run r = make_run(f, numel);
    const double ms = median_ms([&] { r.step(); }, 11);
    const double gbs = f.bytes_per_param * double(numel) / ms / 1e6;
    const PairedRatio ratio = paired_ratio([&] { r.step(); }, [&] { base.step(); }, pairs);
    std::printf("%-34s %8.2f %8.2f %9.1f %7.0f%% %8.2f  [%.2f, %.2f]\n", f.name.c_str(), f.bytes_per_param, ms, gbs,
                100 * gbs / copy_gbs, ratio.median, ratio.lower_quartile, ratio.upper_quartile);
  }
  return 0;
}

}  // namespace
}  // namespace bench
}  // namespace gradus

int main(int argc, char** argv) {
  int64_t numel = 10000000;
  int pairs = 15;
  bool busy = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--device" && has_value) {
      gradus::bench::device = at::Device(argv[++i]);
    } else if (arg == "--threads" && has_value) {
      at::set_num_threads(std::max(1, std::atoi(argv[++i])));
    } else if (arg == "--numel" && has_value) {
      numel = std::max<int64_t>(1, std::atoll(argv[++i]));
    } else if (arg == "--pairs" && has_value) {
      pairs = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--busy") {
      busy = true;
    } else {
      std::fprintf(stderr, "usage: %s [--device cpu|cuda] [--threads N] [--numel N] [--pairs N] [--busy]\n", argv[0]);
      return 2;
    }
  }
  std::unique_ptr<gradus::bench::BusyNeighbour> neighbour;
  if (busy) neighbour = std::make_unique<gradus::bench::BusyNeighbour>();
  return gradus::bench::run(numel, pairs);
}
