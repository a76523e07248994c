#pragma once
// What an operator's description (its Hyper struct, e.g. ops::AdamHyper) is
// made of. gradus/optim/declaration.h generates each Hyper from the
// optimizer's declaration; the library derives from it the operator schema
// and its .tensor_lr overload, the checks every backend shares,
// ops::fused_step, the CPU loop and the CUDA launch. A Hyper has:
//
//   the values: double and bool members, with the declaration's defaults;
//   kName                       the operator, e.g. "adam_" for gradus::adam_
//   kFlags                      ops::Flags: step counts and the like
//   slots()                     the state lists, in order, e.g. {"exp_avgs", ...}
//   slot_used(hyper, k)         false: slot k's list may be empty for these values
//   scalars()                   per-tensor scalar lists, e.g. {"mu_products"}
//   fields()                    every value: Field{name, member, what, range}
//   invalid_combination(hyper)  a message when the values do not go together
//
// A scalar list holds one one-element float32 tensor per param, like
// state_steps (PyTorch keeps such state in float32 too). The math reads the
// values a step starts with and writes the new ones; an operator with
// scalars counts its steps in the math (kStepsInMath).
//
// No ATen here: nvcc compiles descriptions for the kernels.
#include <array>
#include <cstddef>
#include <tuple>
#include <type_traits>

namespace gradus {
namespace ops {

enum class StepCount {
  kNone,     // no step counts (SGD)
  kCounted,  // advanced by one per step, not read by the math
  kInMath,   // advanced, and the math reads the new count (bias corrections)
};

// The flags of a declaration (gradus/optim/declaration.h).
struct Flags {
  enum : unsigned {
    kNoSteps = 0,
    kStepsCounted = 1,        // StepCount::kCounted
    kStepsInMath = 2,         // StepCount::kInMath
    kStateAtConstruction = 4, // state is made for every param when the optimizer is (Adagrad)
    kLrRequired = 8,          // the options have no default lr (SGD, as LibTorch's)
  };
};

constexpr StepCount step_count_of(unsigned flags) {
  return (flags & Flags::kStepsInMath) ? StepCount::kInMath
                                       : (flags & Flags::kStepsCounted) ? StepCount::kCounted : StepCount::kNone;
}

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

template <class Hyper>
constexpr Field<Hyper, bool> flag(const char* name, bool Hyper::*member) {
  return {name, member, name, Range::kAny};
}

template <class Hyper>
constexpr Field<Hyper, bool> flag(const char* name, bool Hyper::*member, const char*, Range) {
  return flag(name, member);
}

// The names of an operator's lists, from a declaration's entries, each
// given as `, "name"` after a leading nullptr (so that none is fine too).
template <class... Names>
constexpr std::array<const char*, sizeof...(Names)> names(std::nullptr_t, Names... names) {
  return {{names...}};
}

// Whether Hyper takes the low-precision arguments every declaration adds
// (GRADUS_ROUNDING_MEMBERS); the hand-written operators do not.
template <class Hyper, class = void>
struct HasRounding : std::false_type {};
template <class Hyper>
struct HasRounding<Hyper, std::void_t<decltype(&Hyper::stochastic_rounding)>> : std::true_type {};
template <class Hyper>
constexpr bool kHasRounding = HasRounding<Hyper>::value;

// The names of Hyper's per-tensor scalar lists.
template <class Hyper>
constexpr auto scalar_names() {
  return Hyper::scalars();
}

}  // namespace ops
}  // namespace gradus
