#pragma once
// How the CPU loop and the CUDA kernel call an Update, the per-element math
// of an optimizer's header (gradus/optim/<name>.h):
//
//   struct FooUpdate : UpdateOf<ops::FooHyper> {  // Hyper, kSlots, kScalars
//     template <typename T> using Coeffs = ...;   // per call and tensor: Coeffs(hyper, step)
//     template <typename T> static void apply(T& param, T grad, T* state, const Coeffs<T>&);
//     //   state[Hyper::Slot::exp_avg] is the element of slot exp_avg
//     // with per-tensor scalars (Hyper::scalars()), also:
//     //   Coeffs(hyper, step, before): `before` holds the scalars the step starts with
//     static void advance(const Hyper&, double step, float* scalars);  // before -> after, in place
//     // with per-tensor sums, also:
//     static constexpr int kReductions = ...;
//     template <typename T> static void reduce(const T& p, const T& g, const T* state, const Coeffs<T>&, T* sums);
//     //   adds one element's terms to sums; it writes nothing else. Then
//     //   Coeffs<T>::finish(const double* totals, double numel) gives the
//     //   coefficients the tensor's apply() takes.
//   };
//
// `step` is the count after this step's increment. advance() is a function
// of its arguments only: the CUDA kernel's blocks each derive the new values
// from `before`, and a later launch writes them once.
#include <type_traits>

#include <gradus/optim/declaration.h>

GRADUS_MATH_NAMESPACE_BEGIN

template <class Update, class = void>
struct ScalarCountOf : std::integral_constant<int, 0> {};
template <class Update>
struct ScalarCountOf<Update, std::void_t<decltype(Update::kScalars)>> : std::integral_constant<int, Update::kScalars> {};
template <class Update>
constexpr int kScalarsOf = ScalarCountOf<Update>::value;

template <class Update, class = void>
struct ReductionCountOf : std::integral_constant<int, 0> {};
template <class Update>
struct ReductionCountOf<Update, std::void_t<decltype(Update::kReductions)>>
    : std::integral_constant<int, Update::kReductions> {};
template <class Update>
constexpr int kReductionsOf = ReductionCountOf<Update>::value;

// The coefficients of one tensor's update at `step`; `before` is read only
// when the update has scalars. With reductions, these serve the reduction
// pass; finish_coeffs() completes them for apply().
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

// Gives coefficients the tensor's sums (kReductionsOf<Update> totals) and
// its element count; nothing for an update without reductions.
template <class Update, typename T>
GRADUS_MATH_FN void finish_coeffs(typename Update::template Coeffs<T>& coeffs, const double* totals, double numel) {
  if constexpr (kReductionsOf<Update> > 0) {
    coeffs.finish(totals, numel);
  } else {
    (void)coeffs;
    (void)totals;
    (void)numel;
  }
}

template <class Update>
GRADUS_MATH_FN void advance_scalars(const typename Update::Hyper& hyper, double step, float* scalars) {
  if constexpr (kScalarsOf<Update> > 0) Update::advance(hyper, step, scalars);
}

GRADUS_MATH_NAMESPACE_END
