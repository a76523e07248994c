#pragma once
// One declaration per optimizer. An elementwise optimizer's header
// (gradus/optim/<name>.h) holds its lists of options and state and one line:
//
//   #define GRADUS_FOO_OPTIONS(X)
//     X(REAL, lr, 2e-3, kNonNegative, "learning rate")
//     X(PAIR, betas, beta1, 0.9, beta2, 0.999, kUnitOpen, "beta parameter at index")
//     X(FLAG, maximize, false)
//   #define GRADUS_FOO_STATE(X) X(exp_avg, exp_avgs, 0, true) ...
//   GRADUS_OPTIMIZER(Foo, foo_, kStepsInMath, GRADUS_FOO_OPTIONS,
//                    GRADUS_FOO_STATE, GRADUS_NO_SCALARS)
//
// (each line of a list ends in a backslash), followed by its per-element
// math, math::FooUpdate. From them follow the operator gradus::foo_ and its
// description ops::FooHyper (schema, checks, kernels), and the options type,
// the per-parameter state and the optimizer class optim::Foo
// (gradus/optim/elementwise_optimizer.h). docs/contributing.md walks
// through an example.
//
// Option entries, X(KIND, ...):
//   REAL(name, default, range, what)       a double, an operator argument
//   PAIR(name, a, da, b, db, range, what)  a std::tuple<double, double> option
//                                          that the operator takes as a and b
//   TRIPLE(name, a, da, b, db, c, dc, range, what)   the same with three
//   FLAG(name, default)                    a bool, an operator argument
//   HIDDEN(type, name, default, range, what)  an operator argument that is no
//                                          option (the class sets it)
//   OPTION(type, name, default, range, what)  an option that is no operator
//                                          argument; range-checked if double
//   GROUP(type, name, initial)             state of the param group that the
//                                          class keeps with its options (and
//                                          saves), as PyTorch keeps it in the
//                                          group: Schedule-Free's step count
// `range` is an ops::Range (the value must also be finite); `what` is how an
// error names the value ("invalid <what>: <value> (<range>)"). A PAIR's
// elements are "<what> 0" and "<what> 1". The first entry is REAL lr.
//
// State entries, X(name, list, first value, kept when): e.g.
// X(max_exp_avg_sq, max_exp_avg_sqs, 0, h.amsgrad). `name` is the field of
// the ParamState (and of the checkpoint), `list` the operator's argument.
// The first value and the condition may read `h` (the group's Hyper) and
// `defaults` (the optimizer's default options).
// Scalar entries, X(name, list, first value): a one-element float32 per
// param (PyTorch's mu_product, eta), read and advanced by the math.
//
// Flags (ops::Flags): kStepsCounted or kStepsInMath for a step count per
// param, kStateAtConstruction, kLrRequired; or kNoSteps. A combination
// rule is a function ops::invalid_combination(const NameHyper&) next to the
// declaration (see gradus/optim/sgd.h).
//
// Compiled for the kernels (GRADUS_MATH_ONLY), only the description is
// generated: no ATen, so nvcc builds it anywhere.
#include <gradus/ops/op_description.h>
#include <gradus/optim/element_math.h>

#ifndef GRADUS_MATH_ONLY
#include <gradus/optim/elementwise_optimizer.h>
#endif

// The description's members and fields, per option kind.
#define GRADUS_HYPER_MEMBER(KIND, ...) GRADUS_HYPER_MEMBER_##KIND(__VA_ARGS__)
#define GRADUS_HYPER_MEMBER_REAL(name, def, range, what) double name = def;
#define GRADUS_HYPER_MEMBER_PAIR(name, a, da, b, db, range, what) double a = da, b = db;
#define GRADUS_HYPER_MEMBER_TRIPLE(name, a, da, b, db, c, dc, range, what) double a = da, b = db, c = dc;
#define GRADUS_HYPER_MEMBER_FLAG(name, def) bool name = def;
#define GRADUS_HYPER_MEMBER_HIDDEN(type, name, def, range, what) type name = def;
#define GRADUS_HYPER_MEMBER_OPTION(type, name, def, range, what)
#define GRADUS_HYPER_MEMBER_GROUP(type, name, initial)

#define GRADUS_FIELD(name, what, range) \
  ::gradus::ops::Field<Self, std::decay_t<decltype(Self::name)>>{#name, &Self::name, what, ::gradus::ops::Range::range}
#define GRADUS_HYPER_FIELD(KIND, ...) GRADUS_HYPER_FIELD_##KIND(__VA_ARGS__)
#define GRADUS_HYPER_FIELD_REAL(name, def, range, what) , std::make_tuple(GRADUS_FIELD(name, what, range))
#define GRADUS_HYPER_FIELD_PAIR(name, a, da, b, db, range, what) \
  , std::make_tuple(GRADUS_FIELD(a, what " 0", range), GRADUS_FIELD(b, what " 1", range))
#define GRADUS_HYPER_FIELD_TRIPLE(name, a, da, b, db, c, dc, range, what)                     \
  , std::make_tuple(GRADUS_FIELD(a, what " 0", range), GRADUS_FIELD(b, what " 1", range), \
                    GRADUS_FIELD(c, what " 2", range))
#define GRADUS_HYPER_FIELD_FLAG(name, def) , std::make_tuple(GRADUS_FIELD(name, #name, kAny))
#define GRADUS_HYPER_FIELD_HIDDEN(type, name, def, range, what) , std::make_tuple(GRADUS_FIELD(name, what, range))
#define GRADUS_HYPER_FIELD_OPTION(type, name, def, range, what)
#define GRADUS_HYPER_FIELD_GROUP(type, name, initial)

// The description's state lists: their names, indices and use.
#define GRADUS_SLOT_NAME(name, list, ...) , #list
#define GRADUS_SLOT_INDEX(name, ...) name,
#define GRADUS_SLOT_USED(name, list, first, used) \
  if (slot == k++) return static_cast<bool>(used);
#define GRADUS_NO_SCALARS(X)
// Every declaration's last state entry: the Kahan buffer of a float16 or
// bfloat16 param (Compensation::kahan), in the param's dtype.
#define GRADUS_COMPENSATION_STATE(X) X(compensation, compensations, 0, h.kahan)
// Every declaration's state: its own entries, then the Kahan buffer.
#define GRADUS_ALL_STATE(STATE, X) STATE(X) GRADUS_COMPENSATION_STATE(X)
// The operator arguments of low-precision params that every operator takes
// after its own (gradus/optim/precision.h): the Kahan buffer is in use,
// stochastic rounding, its seed and the group's step count that keys it.
#define GRADUS_ROUNDING_MEMBERS \
  bool kahan = false;           \
  bool stochastic_rounding = false; \
  double rounding_seed = 0;     \
  double rounding_step = 0;
#define GRADUS_ROUNDING_FIELDS                                                  \
  , std::make_tuple(GRADUS_FIELD(kahan, "kahan", kAny),                         \
                    GRADUS_FIELD(stochastic_rounding, "stochastic_rounding", kAny), \
                    GRADUS_FIELD(rounding_seed, "rounding_seed", kNonNegative), \
                    GRADUS_FIELD(rounding_step, "rounding_step", kNonNegative))

// ops::NameHyper: every value the operator gradus::op takes, with the
// declaration's defaults, and the description the library derives it from.
#define GRADUS_DESCRIBE(Name, op, flags, OPTIONS, STATE, SCALARS)                          \
  namespace gradus {                                                                     \
  namespace ops {                                                                        \
  struct Name##Hyper : Flags {                                                           \
    using Self = Name##Hyper;                                                            \
    OPTIONS(GRADUS_HYPER_MEMBER)                                                         \
    GRADUS_ROUNDING_MEMBERS                                                              \
    static constexpr const char* kName = #op;                                            \
    static constexpr unsigned kFlags = flags;                                            \
    static constexpr StepCount kStepCount = step_count_of(flags);                        \
    struct Slot {                                                                        \
      enum Index : int { GRADUS_ALL_STATE(STATE, GRADUS_SLOT_INDEX) };                         \
    };                                                                                   \
    struct Scalar {                                                                      \
      enum Index : int { SCALARS(GRADUS_SLOT_INDEX) };                                         \
    };                                                                                   \
    static constexpr auto slots() { return names(nullptr GRADUS_ALL_STATE(STATE, GRADUS_SLOT_NAME)); } \
    static constexpr auto scalars() { return names(nullptr SCALARS(GRADUS_SLOT_NAME)); } \
    static constexpr bool slot_used(const Self& h, size_t slot) {                        \
      size_t k = 0;                                                                      \
      (void)h;                                                                           \
      GRADUS_ALL_STATE(STATE, GRADUS_SLOT_USED)                                          \
      return false;                                                                      \
    }                                                                                    \
    static constexpr auto fields() {                                                     \
      return std::tuple_cat(std::tuple<>() OPTIONS(GRADUS_HYPER_FIELD) GRADUS_ROUNDING_FIELDS); \
    }                                                                                    \
  };                                                                                     \
  }                                                                                      \
  }

#ifdef GRADUS_MATH_ONLY
#define GRADUS_OPTIMIZER(Name, op, flags, OPTIONS, STATE, SCALARS) \
  GRADUS_DESCRIBE(Name, op, flags, OPTIONS, STATE, SCALARS)
#define GRADUS_OPTIMIZER_VARIANT(Name, Base, OPTIONS, STATE, SCALARS)
#else
// The description, then the options, state and class.
#define GRADUS_OPTIMIZER(Name, op, flags, OPTIONS, STATE, SCALARS) \
  GRADUS_DESCRIBE(Name, op, flags, OPTIONS, STATE, SCALARS)        \
  GRADUS_DECLARE_CLASSES(Name, OPTIONS, STATE, SCALARS)
// An optimizer that runs another's operator with other defaults (AdamW:
// Adam's, with weight_decay 1e-2 and decoupled_weight_decay set). The
// header declares struct NameDefaults : BaseDefaults { ... } first.
#define GRADUS_OPTIMIZER_VARIANT(Name, Base, OPTIONS, STATE, SCALARS) \
  GRADUS_DECLARE_VARIANT(Name, Base, OPTIONS, STATE, SCALARS)
#endif

GRADUS_MATH_NAMESPACE_BEGIN
// The frame of an optimizer's Update (its per-element math): its
// description and its coefficients, e.g.
//   struct AdamUpdate : UpdateOf<ops::AdamHyper, AdamCoeffs> { apply() ... };
template <class HyperT, template <typename> class CoeffsT>
struct UpdateOf {
  using Hyper = HyperT;
  template <typename T>
  using Coeffs = CoeffsT<T>;
  static constexpr int kSlots = static_cast<int>(Hyper::slots().size());
  static constexpr int kScalars = static_cast<int>(Hyper::scalars().size());
};
GRADUS_MATH_NAMESPACE_END

namespace gradus {
namespace ops {

// A declaration's combination rule: nullptr when the values go together,
// else what is wrong. Declarations with a rule overload it.
template <class Hyper>
constexpr const char* invalid_combination(const Hyper&) {
  return nullptr;
}

}  // namespace ops
}  // namespace gradus
