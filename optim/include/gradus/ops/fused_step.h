#pragma once
// Functional interface to the gradus operators: one call updates a whole
// list of parameters in place, in one fused pass over their memory, on
// whatever backend the tensors live (the dispatcher picks the kernel). The
// optimizer classes are built on it; it is public for users who keep their
// own state. Each operator's hyperparameters, state lists and checks are its
// description, generated from the optimizer's declaration (e.g.
// gradus/optim/adam.h):
//
//   gradus::ops::AdamHyper hyper;
//   hyper.lr = 0.01;
//   gradus::ops::fused_step({params, grads, {exp_avgs, exp_avg_sqs, {}}, steps}, hyper);
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace gradus {
namespace ops {

// The tensors of one call: lists of equal length, on one device, of one
// dtype. The lists are views (like ATen's foreach ops take): of vectors that
// outlive the call.
struct FusedTensors {
  at::TensorList params;
  at::TensorList grads;
  // One list per state slot, in the description's order (Hyper::slots());
  // a slot the hyperparameters do not use (Hyper::slot_used) may be empty.
  // State is contiguous, of the params' math dtype (float for half and
  // bfloat16 params).
  std::vector<at::TensorList> state;
  // One-element float32 step counts on the params' device, advanced by one
  // per call; empty for operators without (StepCount::kNone).
  at::TensorList state_steps;
  // One list per per-tensor scalar of the description (ops::scalar_names,
  // e.g. mu_products): one-element float32 tensors like the steps.
  std::vector<at::TensorList> scalars = {};
};

// Optional one-element float32 tensors on the params' device.
struct StepTensors {
  // Read instead of hyper.lr: a captured CUDA graph follows later changes to it.
  // A host lr is checked as hyper.lr is. A device lr is not read on the host
  // (a sync; impossible while capturing): a NaN, infinite or negative one
  // makes the step move nothing, parameters, state and step counts alike.
  at::Tensor lr;
  // AMP: gradients are divided by grad_scale and written back unscaled; a
  // non-zero found_inf skips the whole call.
  at::Tensor grad_scale;
  at::Tensor found_inf;
};

// Runs operator gradus::<Hyper::kName> (or its .tensor_lr overload when
// extra.lr is set). Throws c10::Error, naming the argument, for bad input,
// before any tensor changes.
template <class Hyper>
void fused_step(const FusedTensors& tensors, const Hyper& hyper, const StepTensors& extra = {});

// Throws c10::Error, naming the value and starting with `who`, if `hyper`
// breaks its description: a value out of its range, or a combination
// ops::invalid_combination refuses. What every operator call and every
// optimizer class checks.
template <class Hyper>
void check_hyper(const std::string& who, const Hyper& hyper);

}  // namespace ops
}  // namespace gradus
