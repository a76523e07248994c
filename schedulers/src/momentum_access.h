#pragma once
// Reading and writing a param group's momentum (SGD, RMSprop) or beta1 (Adam
// and every optimizer with betas), for the schedulers that cycle them. Works
// for every gradus option type (each says which it has, FusedOptionsBase)
// and for the built-in torch::optim types.
#include <torch/optim/optimizer.h>

namespace gradus {
namespace schedulers {
namespace detail {

enum class MomentumKind { kNone, kMomentum, kBeta1 };

// What the optimizer's defaults carry: PyTorch's "'momentum' in defaults" /
// "'betas' in defaults".
MomentumKind momentum_kind(const torch::optim::OptimizerOptions& options);
double get_momentum(const torch::optim::OptimizerOptions& options, MomentumKind kind);
void set_momentum(torch::optim::OptimizerOptions& options, MomentumKind kind, double value);

}  // namespace detail
}  // namespace schedulers
}  // namespace gradus
