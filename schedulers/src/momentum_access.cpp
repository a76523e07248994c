#include "momentum_access.h"

#include <gradus/optim/adam.h>
#include <gradus/optim/adamax.h>
#include <gradus/optim/adamw.h>
#include <gradus/optim/radam.h>
#include <gradus/optim/rmsprop.h>
#include <gradus/optim/sgd.h>
#include <torch/optim/adam.h>
#include <torch/optim/adamw.h>
#include <torch/optim/rmsprop.h>
#include <torch/optim/sgd.h>

namespace gradus {
namespace schedulers {
namespace detail {
namespace {

// Applies `fn` to the options as the first type of Types it is, if any.
template <typename... Types, typename Fn>
bool visit_as(torch::optim::OptimizerOptions& options, Fn&& fn) {
  return ((dynamic_cast<Types*>(&options) ? (fn(*dynamic_cast<Types*>(&options)), true) : false) || ...);
}

template <typename Fn>
bool with_momentum(torch::optim::OptimizerOptions& o, Fn&& fn) {
  return visit_as<optim::SGDOptions, optim::RMSpropOptions, torch::optim::SGDOptions,
                  torch::optim::RMSpropOptions>(o, fn);
}

template <typename Fn>
bool with_betas(torch::optim::OptimizerOptions& o, Fn&& fn) {
  return visit_as<optim::AdamOptions, optim::AdamWOptions, optim::AdamaxOptions, optim::RAdamOptions,
                  torch::optim::AdamOptions,
                  torch::optim::AdamWOptions>(o, fn);
}

}  // namespace

MomentumKind momentum_kind(const torch::optim::OptimizerOptions& options) {
  auto& o = const_cast<torch::optim::OptimizerOptions&>(options);
  if (with_momentum(o, [](auto&) {})) return MomentumKind::kMomentum;
  if (with_betas(o, [](auto&) {})) return MomentumKind::kBeta1;
  return MomentumKind::kNone;
}

double get_momentum(const torch::optim::OptimizerOptions& options, MomentumKind kind) {
  auto& o = const_cast<torch::optim::OptimizerOptions&>(options);
  double value = 0;
  const bool found = kind == MomentumKind::kMomentum
                         ? with_momentum(o, [&](auto& x) { value = x.momentum(); })
                         : with_betas(o, [&](auto& x) { value = std::get<0>(x.betas()); });
  TORCH_CHECK(found, "gradus: a param group's options have no ",
              kind == MomentumKind::kMomentum ? "momentum" : "betas");
  return value;
}

void set_momentum(torch::optim::OptimizerOptions& options, MomentumKind kind, double value) {
  const bool found =
      kind == MomentumKind::kMomentum
          ? with_momentum(options, [&](auto& x) { x.momentum(value); })
          : with_betas(options, [&](auto& x) {
              x.betas(std::make_tuple(value, std::get<1>(x.betas())));
            });
  TORCH_CHECK(found, "gradus: a param group's options have no ",
              kind == MomentumKind::kMomentum ? "momentum" : "betas");
}

}  // namespace detail
}  // namespace schedulers
}  // namespace gradus
