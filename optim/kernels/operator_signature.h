#pragma once
// The C++ signature of a gradus operator, derived from its description:
//
//   void(TensorList params, TensorList grads, TensorList <slot>...,
//        [TensorList state_steps,] TensorList <scalar>..., <field>...,
//        const optional<Tensor>& grad_scale, const optional<Tensor>& found_inf)
//
// where a field is double or bool, except lr in the .tensor_lr overload (a
// Tensor). Kernels are registered unboxed with it and ops::fused_step calls
// it unboxed, so the lists reach a kernel as views of the caller's vectors:
// a call over 10,000 tensors builds no IValue list and copies no Tensor.
#include <ATen/core/Tensor.h>
#include <c10/util/Optional.h>
#include <gradus/ops/op_description.h>

#include <array>
#include <string_view>
#include <tuple>
#include <utility>

#include "fused_call.h"

namespace gradus {
namespace kernels {

template <class Hyper>
constexpr size_t kListCount =
    2 + kSlotCount<Hyper> + (Hyper::kStepCount == ops::StepCount::kNone ? 0 : 1) + kScalarCount<Hyper>;

template <class Hyper>
constexpr size_t kFieldCount = std::tuple_size_v<decltype(Hyper::fields())>;

template <class F>
struct FieldValueOf;
template <class Hyper, class T>
struct FieldValueOf<ops::Field<Hyper, T>> {
  using type = T;
};

// Field I's argument type: its value type, or Tensor for the tensor lr.
template <class Hyper, size_t I, bool kTensorLr>
using FieldArg = std::conditional_t<kTensorLr && I == 0, const at::Tensor&,
                                    typename FieldValueOf<std::tuple_element_t<I, decltype(Hyper::fields())>>::type>;
template <size_t>
using ListArg = at::TensorList;
using OptionalTensorArg = const c10::optional<at::Tensor>&;

template <class Hyper, bool kTensorLr, class Lists = std::make_index_sequence<kListCount<Hyper>>,
          class Fields = std::make_index_sequence<kFieldCount<Hyper>>>
struct OperatorSignature;

template <class Hyper, bool kTensorLr, size_t... L, size_t... F>
struct OperatorSignature<Hyper, kTensorLr, std::index_sequence<L...>, std::index_sequence<F...>> {
  // The .tensor_lr overload replaces the first field, which must be lr.
  static_assert(std::string_view(std::get<0>(Hyper::fields()).name) == "lr", "a description's first field is lr");

  using type = void(ListArg<L>..., FieldArg<Hyper, F, kTensorLr>..., OptionalTensorArg, OptionalTensorArg);

  // The call a kernel receives: views of the lists, the fields in `hyper`.
  static FusedCall<Hyper> make_call(ListArg<L>... lists, FieldArg<Hyper, F, kTensorLr>... fields,
                                    OptionalTensorArg grad_scale, OptionalTensorArg found_inf) {
    const std::array<at::TensorList, sizeof...(L)> all{lists...};
    FusedCall<Hyper> call;
    call.op = std::string("gradus::") + Hyper::kName;
    call.params = all[0];
    call.grads = all[1];
    for (size_t k = 0; k < kSlotCount<Hyper>; ++k) call.state[k] = all[2 + k];
    if constexpr (Hyper::kStepCount != ops::StepCount::kNone) call.steps = all[2 + kSlotCount<Hyper>];
    for (size_t k = 0; k < kScalarCount<Hyper>; ++k) call.scalars[k] = all[kListCount<Hyper> - kScalarCount<Hyper> + k];
    (set_field<F>(call, fields), ...);
    if (grad_scale.has_value()) call.grad_scale = *grad_scale;
    if (found_inf.has_value()) call.found_inf = *found_inf;
    return call;
  }

  // The kernel functor registered for a backend: it runs `run` on the call.
  template <void (*run)(FusedCall<Hyper>&)>
  struct Kernel {
    void operator()(ListArg<L>... lists, FieldArg<Hyper, F, kTensorLr>... fields, OptionalTensorArg grad_scale,
                    OptionalTensorArg found_inf) const {
      FusedCall<Hyper> call = make_call(lists..., fields..., grad_scale, found_inf);
      run(call);
    }
  };

 private:
  template <size_t I, class Value>
  static void set_field(FusedCall<Hyper>& call, const Value& value) {
    if constexpr (kTensorLr && I == 0) {
      call.lr = value;
    } else {
      call.hyper.*(std::get<I>(Hyper::fields()).member) = value;
    }
  }
};

}  // namespace kernels
}  // namespace gradus
