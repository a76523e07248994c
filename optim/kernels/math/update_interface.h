#pragma once
// How the CPU loop and the CUDA kernel call an Update (math/<name>_math.h):
//
//   struct FooUpdate {
//     using Hyper = ops::FooHyper;
//     template <typename T> using Coeffs = ...;   // per call and tensor: Coeffs(hyper, step)
//     static constexpr int kSlots = ...;          // state lists, as Hyper::slots()
//     template <typename T> static void apply(T& param, T& grad, T* state, const Coeffs<T>&);
//     // with per-tensor scalars (ops::scalar_names), also:
//     static constexpr int kScalars = ...;
//     //   Coeffs(hyper, step, before): `before` holds the scalars the step starts with
//     static void advance(const Hyper&, double step, float* scalars);  // before -> after, in place
//   };
//
// `step` is the count after this step's increment. advance() is a function
// of its arguments only: the CUDA kernel's blocks each derive the new values
// from `before`, and a later launch writes them once.
#include <type_traits>

#include "math/element_ops.h"

GRADUS_MATH_NAMESPACE_BEGIN

template <class Update, class = void>
struct ScalarCountOf : std::integral_constant<int, 0> {};
template <class Update>
struct ScalarCountOf<Update, std::void_t<decltype(Update::kScalars)>> : std::integral_constant<int, Update::kScalars> {};
template <class Update>
constexpr int kScalarsOf = ScalarCountOf<Update>::value;

// The coefficients of one tensor's update at `step`; `before` is read only
// when the update has scalars.
template <class Update, typename T>
GRADUS_MATH_FN typename Update::template Coeffs<T> coeffs_for(const typename Update::Hyper& hyper, double step,
                                                               const float* before) {
  if constexpr (kScalarsOf<Update> > 0) {
    return typename Update::template Coeffs<T>(hyper, step, before);
  } else {
    (void)before;
    return typename Update::template Coeffs<T>(hyper, step);
  }
}

template <class Update>
GRADUS_MATH_FN void advance_scalars(const typename Update::Hyper& hyper, double step, float* scalars) {
  if constexpr (kScalarsOf<Update> > 0) Update::advance(hyper, step, scalars);
}

GRADUS_MATH_NAMESPACE_END
