#pragma once
// One call of a gradus operator as every backend receives it: popped off the
// dispatcher's argument stack and checked by the same code for every
// backend, so CPU and CUDA accept the same inputs and give the same errors.
// Everything here follows from the operator's description (its Hyper,
// generated from the optimizer's declaration).
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
  // The .tensor_lr overload's lr when it lives on a device (read there by
  // the kernel); check_call moves a host lr into hyper.lr, its one carrier.
  at::Tensor lr;
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
// the bad argument. Fills call.pointers in the same pass over the tensors:
// on a list of many small tensors each tensor's metadata is then read from
// memory once.
template <class Hyper>
void check_call(FusedCall<Hyper>& call);

// An optimizer class checks every group's values before any group moves
// (all or nothing), then calls the operators with them. While a
// CheckedValues lives, check_call on this thread takes values equal to
// `hyper` as checked, so that each value is checked once per step.
template <class Hyper>
class CheckedValues {
 public:
  explicit CheckedValues(const Hyper& hyper) : previous_(current()) { current() = &hyper; }
  CheckedValues(const CheckedValues&) = delete;
  CheckedValues& operator=(const CheckedValues&) = delete;
  ~CheckedValues() { current() = previous_; }
  static const Hyper*& current() {
    thread_local const Hyper* checked = nullptr;
    return checked;
  }

 private:
  const Hyper* previous_;
};

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
