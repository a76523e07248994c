#pragma once
// Argument checks shared by every backend of the gradus operators, so a bad
// call gets the same message on CPU and CUDA.
#include <ATen/core/Tensor.h>

#include <initializer_list>

namespace gradus {
namespace kernels {

// One optimizer-state list of a fused call. An optional list may be empty.
struct StateList {
  const char* name;
  at::TensorList tensors;
  bool required;
};

// Checks that all lists line up with `params`: same length, device, shape;
// grads dense and of the param dtype; state of the param's math dtype (float
// for half/bfloat16) and contiguous; steps one-element float32 tensors.
// `op` names the operator in the message.
void check_fused_lists(const char* op, at::TensorList params, at::TensorList grads,
                       std::initializer_list<StateList> states, at::TensorList state_steps,
                       bool steps_required);

// The AMP skip: true when found_inf is given and non-zero.
bool found_inf_set(const c10::optional<at::Tensor>& found_inf);

// The dtype optimizer state has for a parameter of `param_dtype`.
at::ScalarType state_dtype_for(at::ScalarType param_dtype);

}  // namespace kernels
}  // namespace gradus
