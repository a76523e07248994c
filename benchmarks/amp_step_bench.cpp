// A mixed-precision step on ResNet-50's parameter list (161 float32 tensors,
// 25.6M elements): loss scaling, clipping to a total norm of 1, Adam's step
// and the scale's update, three ways, timed in alternating pairs:
//   folded   gradus Adam, gradus::amp::GradScaler, clip_grad_norm_(optimizer,
//            scaler, 1): the norm pass, then one fused pass that unscales,
//            clips and steps;
//   unscaled gradus Adam, the same scaler, unscale_() then
//            gradus::clip_grad_norm_(params, 1): PyTorch's order;
//   builtin  torch::optim::Adam, torch::nn::utils::clip_grad_norm_ (which
//            returns a double) and a scaler written by hand the usual way:
//            check and unscale with ATen ops, skip on the host.
//
// Then the folded step's effective bandwidth against a copy's, in pairs.
//
//   gradus_amp_bench [--threads N] [--pairs N]
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gradus/amp.h>
#include <gradus/clip_grad.h>
#include <gradus/optim/adam.h>
#include <torch/types.h>  // clip_grad.h below uses torch:: ops without including them
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>

#include "paired_ratio.h"
#include "resnet50_shapes.h"

namespace {

using gradus::bench::paired_ratio;

std::vector<at::Tensor> make_params() {
  std::vector<at::Tensor> params;
  for (const auto& shape : gradus::bench::resnet50_shapes()) {
    params.push_back((at::rand(shape) * 0.01).set_requires_grad(true));
  }
  return params;
}

// The gradients of a scaled loss: the same values every step.
void set_scaled_grads(std::vector<at::Tensor>& params, const std::vector<at::Tensor>& grads, double scale) {
  for (size_t i = 0; i < params.size(); ++i) params[i].mutable_grad().copy_(grads[i]).mul_(scale);
}

// The hand-written scaler of a LibTorch loop without GradScaler: a flag per
// tensor, the products, and a host read to decide the step.
struct HandScaler {
  double scale = 65536;
  bool unscale_and_check(std::vector<at::Tensor>& params) {
    at::Tensor found = at::zeros({}, at::kBool);
    for (auto& p : params) {
      found.logical_or_(at::isfinite(p.grad()).logical_not().any());
      p.mutable_grad().mul_(1.0 / scale);
    }
    return found.item<bool>();
  }
};

}  // namespace

int main(int argc, char** argv) {
  int threads = 2, pairs = 20;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--pairs") && i + 1 < argc) pairs = std::atoi(argv[++i]);
  }
  if (threads < 1 || pairs < 1) {
    std::fprintf(stderr, "--threads and --pairs take numbers >= 1\n");
    return 2;
  }
  at::set_num_threads(threads);
  auto folded_params = make_params(), unscaled_params = make_params(), builtin_params = make_params();
  std::vector<at::Tensor> grads;
  for (auto& p : folded_params) grads.push_back(at::randn(p.sizes()) * 1e-3);
  for (auto* ps : {&folded_params, &unscaled_params, &builtin_params}) {
    for (auto& p : *ps) p.mutable_grad() = at::empty_like(p);
  }
  gradus::optim::Adam folded_adam(folded_params), unscaled_adam(unscaled_params);
  torch::optim::Adam builtin_adam(builtin_params);
  gradus::amp::GradScaler folded_scaler, unscaled_scaler;
  folded_scaler.scale(at::ones({}));
  unscaled_scaler.scale(at::ones({}));
  HandScaler hand;
  const at::Tensor loss = at::ones({});

  auto folded = [&] {
    folded_scaler.scale(loss);
    set_scaled_grads(folded_params, grads, 65536);
    gradus::clip_grad_norm_(folded_adam, folded_scaler, 1.0);
    folded_scaler.step(folded_adam);
    folded_scaler.update();
  };
  auto unscaled = [&] {
    unscaled_scaler.scale(loss);
    set_scaled_grads(unscaled_params, grads, 65536);
    unscaled_scaler.unscale_(unscaled_adam);
    gradus::clip_grad_norm_(unscaled_params, 1.0);
    unscaled_scaler.step(unscaled_adam);
    unscaled_scaler.update();
  };
  auto builtin = [&] {
    set_scaled_grads(builtin_params, grads, 65536);
    const bool overflow = hand.unscale_and_check(builtin_params);
    torch::nn::utils::clip_grad_norm_(builtin_params, 1.0);
    if (!overflow) builtin_adam.step();
  };
  // The gradients' copy in, the same in all three, is timed with each.
  std::printf("ResNet-50 list, 161 tensors, 25.6M floats, %d threads, %d pairs each\n", at::get_num_threads(), pairs);
  auto report = [&](const char* what, const std::function<void()>& a, const std::function<void()>& b) {
    const auto r = paired_ratio(a, b, pairs);
    std::printf("%-40s %6.2fx  [%.2f, %.2f]\n", what, r.median, r.lower_quartile, r.upper_quartile);
  };
  report("builtin / gradus folded", builtin, folded);
  report("builtin / gradus unscale_ + clip", builtin, unscaled);
  report("gradus unscale_ + clip / gradus folded", unscaled, folded);
  // Bandwidth: the folded step moves 48 bytes per param (the gradients set:
  // 16, the norm: 4, the fused step: 28), a copy 8 per element.
  int64_t n = 0;
  for (const auto& p : folded_params) n += p.numel();
  const at::Tensor src = at::rand({n}), dst = at::empty({n});
  const auto to_copy = paired_ratio(folded, [&] { dst.copy_(src); }, pairs);
  std::printf("gradus folded: 48 B/param, %.0f%% of the copy bandwidth of this run\n", 100 * 6 / to_copy.median);
  return 0;
}
