#pragma once
// One call of a gradus operator as every backend receives it: popped off the
// dispatcher's argument stack and checked by the same code for every
// backend, so CPU and CUDA accept the same inputs and give the same errors.
// Everything here follows from the operator's description (gradus/ops/).
#include <ATen/core/Tensor.h>
#include <gradus/ops/op_description.h>

#include <array>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "tensor_pointers.h"

namespace gradus {
namespace kernels {

template <class Hyper>
constexpr size_t kSlotCount = Hyper::slots().size();
template <class Hyper>
constexpr size_t kScalarCount = ops::scalar_names<Hyper>().size();

// The lists are views of the caller's (operator_signature.h): they live as
// long as the call.
template <class Hyper>
struct FusedCall {
  std::string op;  // "gradus::adam_", for messages
  at::TensorList params, grads;
  std::array<at::TensorList, kSlotCount<Hyper>> state;  // an unused optional slot may be empty
  at::TensorList steps;  // one per param unless StepCount::kNone
  std::array<at::TensorList, kScalarCount<Hyper>> scalars;  // ops::scalar_names, one per param each
  Hyper hyper;
  at::Tensor lr;          // the .tensor_lr overload's device lr; undefined otherwise
  at::Tensor grad_scale;  // AMP; undefined when not given
  at::Tensor found_inf;
  TensorPointers pointers;  // filled by check_call
};

// Calls f(field) for every field of the description, in schema order.
template <class Hyper, class F>
void for_each_field(F&& f) {
  std::apply([&](const auto&... field) { (f(field), ...); }, Hyper::fields());
}

// The schema of gradus::<kName>, or of its .tensor_lr overload.
template <class Hyper>
std::string schema_of(bool tensor_lr);

// Every check of a call, shared by all backends; throws c10::Error naming
// the bad argument. A host (CPU) lr tensor is read into hyper.lr and checked
// like a float lr; a device lr is read only by the kernel. Fills
// call.pointers in the same pass over the tensors: on a list of many small
// tensors each tensor's metadata is then read from memory once.
template <class Hyper>
void check_call(FusedCall<Hyper>& call);

// Checks the hyperparameters against the description; `who` starts the message.
template <class Hyper>
void check_hyper(const std::string& who, const Hyper& hyper, bool check_lr = true);

// Non-contiguous params and grads are replaced, in `pointers`, by
// contiguous copies for the kernel; write_back() copies the results into the
// caller's tensors.
class ContiguousCopies {
 public:
  ContiguousCopies(at::TensorList params, at::TensorList grads, bool grads_written, TensorPointers& pointers);
  void write_back();

 private:
  std::vector<std::pair<at::Tensor, at::Tensor>> copies_;  // (caller's tensor, copy)
  std::vector<at::Tensor> kept_;  // copies the kernel reads only
};

// The dtype optimizer state has for a parameter of `param_dtype`.
at::ScalarType state_dtype_for(at::ScalarType param_dtype);

}  // namespace kernels
}  // namespace gradus
