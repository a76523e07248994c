#include "momentum_access.h"

#include <gradus/optim/fused_optimizer.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

namespace gradus {
namespace schedulers {
namespace detail {
namespace {

using optim::FusedOptionsBase;

// Applies `fn` to the options as the first type of Types it is, if any.
template <typename... Types, typename Fn>
bool visit_as(torch::optim::OptimizerOptions& options, Fn&& fn) {
  return ((dynamic_cast<Types*>(&options) ? (fn(*dynamic_cast<Types*>(&options)), true) : false) || ...);
}

// The built-in option types; gradus's say themselves (FusedOptionsBase).
template <typename Fn>
bool with_builtin_momentum(torch::optim::OptimizerOptions& o, Fn&& fn) {
  return visit_as<torch::optim::SGDOptions, torch::optim::RMSpropOptions>(o, fn);
}

template <typename Fn>
bool with_builtin_betas(torch::optim::OptimizerOptions& o, Fn&& fn) {
  return visit_as<torch::optim::AdamOptions, torch::optim::AdamWOptions>(o, fn);
}

const FusedOptionsBase* as_fused(const torch::optim::OptimizerOptions& o) {
  return dynamic_cast<const FusedOptionsBase*>(&o);
}

const char* option_name(MomentumKind kind) { return kind == MomentumKind::kMomentum ? "momentum" : "betas"; }

}  // namespace

MomentumKind momentum_kind(const torch::optim::OptimizerOptions& options) {
  if (const FusedOptionsBase* fused = as_fused(options)) {
    switch (fused->cycled_momentum()) {
      case FusedOptionsBase::CycledMomentum::kMomentum: return MomentumKind::kMomentum;
      case FusedOptionsBase::CycledMomentum::kBeta1: return MomentumKind::kBeta1;
      case FusedOptionsBase::CycledMomentum::kNone: return MomentumKind::kNone;
    }
  }
  auto& o = const_cast<torch::optim::OptimizerOptions&>(options);
  if (with_builtin_momentum(o, [](auto&) {})) return MomentumKind::kMomentum;
  if (with_builtin_betas(o, [](auto&) {})) return MomentumKind::kBeta1;
  return MomentumKind::kNone;
}

double get_momentum(const torch::optim::OptimizerOptions& options, MomentumKind kind) {
  TORCH_CHECK(kind != MomentumKind::kNone && momentum_kind(options) == kind, "gradus: a param group's options have no ",
              option_name(kind));
  if (const FusedOptionsBase* fused = as_fused(options)) return fused->cycled_momentum_value();
  auto& o = const_cast<torch::optim::OptimizerOptions&>(options);
  double value = 0;
  if (kind == MomentumKind::kMomentum) {
    with_builtin_momentum(o, [&](auto& x) { value = x.momentum(); });
  } else {
    with_builtin_betas(o, [&](auto& x) { value = std::get<0>(x.betas()); });
  }
  return value;
}

void set_momentum(torch::optim::OptimizerOptions& options, MomentumKind kind, double value) {
  TORCH_CHECK(kind != MomentumKind::kNone && momentum_kind(options) == kind, "gradus: a param group's options have no ",
              option_name(kind));
  if (auto* fused = const_cast<FusedOptionsBase*>(as_fused(options))) {
    fused->set_cycled_momentum_value(value);
  } else if (kind == MomentumKind::kMomentum) {
    with_builtin_momentum(options, [&](auto& x) { x.momentum(value); });
  } else {
    with_builtin_betas(options, [&](auto& x) { x.betas(std::make_tuple(value, std::get<1>(x.betas()))); });
  }
}

}  // namespace detail
}  // namespace schedulers
}  // namespace gradus
