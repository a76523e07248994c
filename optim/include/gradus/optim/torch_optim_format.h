#pragma once
// LibTorch's own optimizer files, for users who swap torch::optim::X for
// gradus::optim::X (or back) and keep their checkpoints.
//
// gradus's SGD, Adam, AdamW, Adagrad and RMSprop load() the file their
// LibTorch twin writes (torch::save(torch_optimizer, path)): its options and
// state become theirs (an integer step count becomes gradus's step tensor),
// and the next steps are those the twin would take from the same file. Any
// other optimizer's file, or a field the twin does not keep, is refused
// before anything changes. As LibTorch 2.x does (1.13 does not), the file's
// options replace the groups' own.
#include <gradus/optim/fused_optimizer.h>

#include <string>

namespace gradus {
namespace optim {

// The reverse: `optimizer`'s options and state in the layout its twin
// loads (torch::load(torch_optimizer, path)). Refused for an optimizer
// LibTorch lacks.
void save_as_torch_optim(const FusedOptimizer& optimizer, torch::serialize::OutputArchive& archive);
void save_as_torch_optim(const FusedOptimizer& optimizer, const std::string& path);

}  // namespace optim
}  // namespace gradus
