#pragma once
// What an optimizer's description is made of. Each gradus operator is
// described once, by its hyperparameter struct (gradus/ops/<name>.h):
//
//   struct FooHyper {
//     double lr = ...; ...; bool maximize = false;   // the values, with PyTorch's defaults
//     static constexpr const char* kName = "foo_";    // operator gradus::foo_
//     static constexpr StepCount kStepCount = ...;    // what it does with step counts
//     static constexpr std::array<const char*, N> slots();  // state lists, in order
//     static constexpr bool slot_used(const FooHyper&, size_t slot);  // false: may be empty
//     static constexpr auto fields();                 // every value: real(...) / flag(...)
//     static constexpr const char* invalid_combination(const FooHyper&);  // nullptr if fine
//     // optional: per-tensor scalar state, a running product, say
//     static constexpr std::array<const char*, K> scalars();  // e.g. {"mu_products"}
//     // optional: per-tensor sums the update needs before it moves anything
//     static constexpr std::array<const char*, R> reductions();  // e.g. {"param_squares"}
//   };
//
// A scalar list holds one one-element float32 tensor per param, like
// state_steps (PyTorch keeps such state in float32 too). The math reads the
// values a step starts with and writes the new ones; an operator with
// scalars has StepCount::kInMath.
//
// A reduction is a sum over each tensor's elements (a squared norm, say),
// taken in a first pass that writes nothing; the update then reads each
// tensor's totals. The sums go in fixed chunks and in a fixed order, so
// they do not depend on the number of threads.
//
// From it the library derives the operator schema and its .tensor_lr
// overload, the argument checks every backend shares, ops::fused_step, the
// CPU loop and the CUDA launch. The per-element math is in the library's
// kernels/math/<name>_math.h. No ATen here: nvcc compiles it for the kernels.
#include <array>
#include <cstddef>
#include <tuple>

namespace gradus {
namespace ops {

namespace detail {
template <class Hyper>
constexpr auto has_scalars(int) -> decltype(Hyper::scalars(), bool()) {
  return true;
}
template <class Hyper>
constexpr bool has_scalars(long) {
  return false;
}
template <class Hyper>
constexpr auto has_reductions(int) -> decltype(Hyper::reductions(), bool()) {
  return true;
}
template <class Hyper>
constexpr bool has_reductions(long) {
  return false;
}
}  // namespace detail

enum class StepCount {
  kNone,     // no step counts (SGD)
  kCounted,  // advanced by one per step, not read by the math
  kInMath,   // advanced, and the math reads the new count (bias corrections)
};

// Where a real hyperparameter must lie. Every real must also be finite.
enum class Range {
  kAny,
  kNonNegative,  // >= 0
  kPositive,     // > 0
  kUnitOpen,     // [0, 1)
  kUnit,         // [0, 1]
  kNonPositive,  // <= 0
  kAtLeastOne,   // >= 1
};

template <class Hyper, class T>
struct Field {
  const char* name;  // the argument's name in the schema
  T Hyper::*member;
  const char* what;  // the words of an error message, e.g. "beta parameter at index 0"
  Range range;
};

template <class Hyper>
constexpr Field<Hyper, double> real(const char* name, double Hyper::*member, const char* what, Range range) {
  return {name, member, what, range};
}

// The names of Hyper's per-tensor scalar lists: Hyper::scalars(), or none.
template <class Hyper>
constexpr auto scalar_names() {
  if constexpr (detail::has_scalars<Hyper>(0)) {
    return Hyper::scalars();
  } else {
    return std::array<const char*, 0>{};
  }
}

// The names of Hyper's per-tensor sums: Hyper::reductions(), or none.
template <class Hyper>
constexpr auto reduction_names() {
  if constexpr (detail::has_reductions<Hyper>(0)) {
    return Hyper::reductions();
  } else {
    return std::array<const char*, 0>{};
  }
}

template <class Hyper>
constexpr Field<Hyper, bool> flag(const char* name, bool Hyper::*member) {
  return {name, member, name, Range::kAny};
}

}  // namespace ops
}  // namespace gradus
