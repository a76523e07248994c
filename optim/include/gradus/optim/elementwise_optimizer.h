#pragma once
// What an elementwise optimizer's declaration (gradus/optim/declaration.h)
// generates besides its operator's description: the options type with
// LibTorch's chained accessors, the per-parameter state, and the optimizer
// class, whose step() is ElementwiseOptimizer's, shared by all of them.
#include <gradus/ops/op_description.h>
#include <gradus/optim/fused_optimizer.h>
#include <torch/arg.h>

#include <array>
#include <string>
#include <tuple>
#include <type_traits>

namespace gradus {
namespace optim {
namespace detail {

// Throws, naming it, a value of an option that is no operator argument and
// lies outside its range; other types are checked by their optimizer.
void check_option(const std::string& who, const char* what, double value, ops::Range range);
template <class T>
void check_option(const std::string&, const char*, const T&, ops::Range) {}

// The step count of a ParamState (a float32 scalar tensor on the param's
// device, so that a CUDA step can be graph-captured), or none (SGD).
template <class Derived, bool kHasStep>
struct StepState {
  static constexpr bool kHasSteps = false;
};
template <class Derived>
struct StepState<Derived, true> {
  static constexpr bool kHasSteps = true;
  Derived& step(const at::Tensor& step) {
    step_ = step;
    return static_cast<Derived&>(*this);
  }
  const at::Tensor& step() const noexcept { return step_; }
  at::Tensor& step() noexcept { return step_; }

 private:
  at::Tensor step_;
};

// The first value of a state tensor: a number, or a copy of the param
// (Schedule-Free's z), written copy_of_param in a declaration.
struct CopyOfParam {};
struct FirstValue {
  FirstValue(double number) : value(number) {}  // NOLINT: implicit, as a declaration writes it
  FirstValue(CopyOfParam) : copy(true) {}       // NOLINT
  double value = 0;
  bool copy = false;
};

}  // namespace detail

constexpr detail::CopyOfParam copy_of_param{};

// The class of every elementwise optimizer: Options and State are what its
// declaration generates. Its members are defined in the library, for each
// optimizer of gradus/optim/optimizers.h.
template <class OptionsT, class State>
class ElementwiseOptimizer : public FusedOptimizer {
 public:
  using Options = OptionsT;
  using Hyper = typename Options::Hyper;
  explicit ElementwiseOptimizer(std::vector<OptimizerParamGroup> param_groups, Options defaults);
  explicit ElementwiseOptimizer(std::vector<at::Tensor> params, Options defaults);
  // Without options where the options have defaults (all but SGD, as LibTorch).
  template <class O = Options, std::enable_if_t<std::is_default_constructible_v<O>, int> = 0>
  explicit ElementwiseOptimizer(std::vector<OptimizerParamGroup> param_groups)
      : ElementwiseOptimizer(std::move(param_groups), O()) {}
  template <class O = Options, std::enable_if_t<std::is_default_constructible_v<O>, int> = 0>
  explicit ElementwiseOptimizer(std::vector<at::Tensor> params) : ElementwiseOptimizer(std::move(params), O()) {}

 protected:
  // The operator's values for a group with `options` (its options', and
  // what a declaration with GROUP state derives from that state).
  virtual Hyper hyper_of(const Options& options) const { return options.hyper(); }
  void check_options(const OptimizerOptions& options) const override;
  void step_bucket(const OptimizerOptions& options, ParamBucket& bucket) override;
  std::unique_ptr<OptimizerParamState> make_empty_state() const override;
  void check_loaded_state(const OptimizerParamState& state, const at::Tensor& param,
                          const std::string& which) const override;
  void check_bucket(const OptimizerOptions& options, const ParamBucket& bucket) const override;
  bool takes_low_precision() const override { return true; }
  static Hyper with_rounding(Hyper hyper, const OptimizerOptions& options);

 public:
  bool takes_grad_scale() const override { return true; }

 protected:
  // State tensor `k` of the given kind of `param`; throws, naming `what`,
  // when the param has no state.
  const at::Tensor& state_tensor(const at::Tensor& param, bool scalar, size_t k, const char* what);

 private:
  State& new_state(const at::Tensor& param, const Hyper& hyper);
};

}  // namespace optim
}  // namespace gradus

// The options, per kind: accessors, defaults, serialization, the values the
// operator takes, and the checks of the options that are not operator
// arguments.
#define GRADUS_OPTION_ARG(KIND, ...) GRADUS_OPTION_ARG_##KIND(__VA_ARGS__)
#define GRADUS_OPTION_ARG_REAL(name, def, range, what) TORCH_ARG(double, name) = Defaults::name;
#define GRADUS_OPTION_ARG_PAIR(name, a, da, b, db, range, what) \
 public:                                                         \
  typedef std::tuple<double, double> name##_t;                   \
  TORCH_ARG(name##_t, name) = name##_t(Defaults::a, Defaults::b);
#define GRADUS_OPTION_ARG_TRIPLE(name, a, da, b, db, c, dc, range, what) \
 public:                                                                  \
  typedef std::tuple<double, double, double> name##_t;                    \
  TORCH_ARG(name##_t, name) = name##_t(Defaults::a, Defaults::b, Defaults::c);
#define GRADUS_OPTION_ARG_FLAG(name, def) TORCH_ARG(bool, name) = Defaults::name;
#define GRADUS_OPTION_ARG_HIDDEN(type, name, def, range, what)
#define GRADUS_OPTION_ARG_OPTION(type, name, def, range, what) \
 public:                                                        \
  typedef type name##_t;                                        \
  TORCH_ARG(type, name) = type(Defaults::name);
#define GRADUS_OPTION_ARG_GROUP(type, name, initial) TORCH_ARG(type, name) = type(Defaults::name);

#define GRADUS_OPTION_DEFAULT(KIND, ...) GRADUS_OPTION_DEFAULT_##KIND(__VA_ARGS__)
#define GRADUS_OPTION_DEFAULT_REAL(name, def, range, what) static constexpr double name = def;
#define GRADUS_OPTION_DEFAULT_PAIR(name, a, da, b, db, range, what) static constexpr double a = da, b = db;
#define GRADUS_OPTION_DEFAULT_TRIPLE(name, a, da, b, db, c, dc, range, what) \
  static constexpr double a = da, b = db, c = dc;
#define GRADUS_OPTION_DEFAULT_FLAG(name, def) static constexpr bool name = def;
#define GRADUS_OPTION_DEFAULT_HIDDEN(type, name, def, range, what)
#define GRADUS_OPTION_DEFAULT_OPTION(type, name, def, range, what) static constexpr auto name = def;
#define GRADUS_OPTION_DEFAULT_GROUP(type, name, initial) static constexpr auto name = initial;

#define GRADUS_OPTION_VISIT(KIND, ...) GRADUS_OPTION_VISIT_##KIND(__VA_ARGS__)
#define GRADUS_OPTION_VISIT_REAL(name, ...) v(#name, self.name());
#define GRADUS_OPTION_VISIT_PAIR(name, ...) v(#name, self.name());
#define GRADUS_OPTION_VISIT_TRIPLE(name, ...) v(#name, self.name());
#define GRADUS_OPTION_VISIT_FLAG(name, ...) v(#name, self.name());
#define GRADUS_OPTION_VISIT_HIDDEN(...)
#define GRADUS_OPTION_VISIT_OPTION(type, name, ...) v(#name, self.name());
#define GRADUS_OPTION_VISIT_GROUP(...)

#define GRADUS_GROUP_VISIT(KIND, ...) GRADUS_GROUP_VISIT_##KIND(__VA_ARGS__)
#define GRADUS_GROUP_VISIT_REAL(...)
#define GRADUS_GROUP_VISIT_PAIR(...)
#define GRADUS_GROUP_VISIT_TRIPLE(...)
#define GRADUS_GROUP_VISIT_FLAG(...)
#define GRADUS_GROUP_VISIT_HIDDEN(...)
#define GRADUS_GROUP_VISIT_OPTION(...)
#define GRADUS_GROUP_VISIT_GROUP(type, name, initial) v(#name, self.name());

#define GRADUS_OPTION_TO_HYPER(KIND, ...) GRADUS_OPTION_TO_HYPER_##KIND(__VA_ARGS__)
#define GRADUS_OPTION_TO_HYPER_REAL(name, ...) h.name = name();
#define GRADUS_OPTION_TO_HYPER_PAIR(name, a, da, b, ...) std::tie(h.a, h.b) = name();
#define GRADUS_OPTION_TO_HYPER_TRIPLE(name, a, da, b, db, c, ...) std::tie(h.a, h.b, h.c) = name();
#define GRADUS_OPTION_TO_HYPER_FLAG(name, ...) h.name = name();
#define GRADUS_OPTION_TO_HYPER_HIDDEN(...)
#define GRADUS_OPTION_TO_HYPER_OPTION(...)
#define GRADUS_OPTION_TO_HYPER_GROUP(...)

#define GRADUS_OPTION_CHECK(KIND, ...) GRADUS_OPTION_CHECK_##KIND(__VA_ARGS__)
#define GRADUS_OPTION_CHECK_REAL(...)
#define GRADUS_OPTION_CHECK_PAIR(...)
#define GRADUS_OPTION_CHECK_TRIPLE(...)
#define GRADUS_OPTION_CHECK_FLAG(...)
#define GRADUS_OPTION_CHECK_HIDDEN(...)
#define GRADUS_OPTION_CHECK_OPTION(type, name, def, range, what) \
  ::gradus::optim::detail::check_option(who, what, name(), ::gradus::ops::Range::range);
#define GRADUS_OPTION_CHECK_GROUP(...)

// NameDefaults: the declared default of every option.
#define GRADUS_DECLARE_DEFAULTS(Name, OPTIONS)                                            \
  struct Name##Defaults {                                                                  \
    static constexpr bool kHasDefaultLr = !(ops::Name##Hyper::kFlags & ops::Flags::kLrRequired); \
    OPTIONS(GRADUS_OPTION_DEFAULT)                                                         \
  };

// NameOptions, with the values of `Defaults` (NameDefaults, or a variant's).
#define GRADUS_DECLARE_OPTIONS(Name, HyperName, DefaultsName, OPTIONS)                   \
  struct Name##Options : public FusedOptions<Name##Options> {                            \
    using Hyper = ::gradus::ops::HyperName;                                              \
    using Defaults = DefaultsName;                                                       \
    static constexpr const char* kOptimizer = "gradus::optim::" #Name;                   \
    Name##Options(double lr) : lr_(lr) {} /* NOLINT: implicit like LibTorch's */         \
    template <class D = Defaults, std::enable_if_t<D::kHasDefaultLr, int> = 0>           \
    Name##Options() : lr_(D::lr) {}                                                      \
    OPTIONS(GRADUS_OPTION_ARG)                                                           \
                                                                                         \
   public:                                                                               \
    template <class Self, class Visitor>                                                 \
    static void visit(Self& self, Visitor&& v) {                                         \
      OPTIONS(GRADUS_OPTION_VISIT)                                                       \
    }                                                                                    \
    /* The group's own state (GROUP entries), saved with the options. */                \
    template <class Self, class Visitor>                                                 \
    static void visit_group_state(Self& self, Visitor&& v) {                             \
      (void)self;                                                                        \
      (void)v;                                                                           \
      OPTIONS(GRADUS_GROUP_VISIT)                                                        \
    }                                                                                    \
    /* The operator's arguments, for these options. */                                   \
    Hyper hyper() const {                                                                \
      Hyper h;                                                                           \
      OPTIONS(GRADUS_OPTION_TO_HYPER)                                                    \
      return h;                                                                          \
    }                                                                                    \
    /* Checks the options that are no operator arguments. */                             \
    void check_own(const std::string& who) const {                                       \
      (void)who;                                                                         \
      OPTIONS(GRADUS_OPTION_CHECK)                                                       \
    }                                                                                    \
  };

// The per-parameter state: a tensor per state entry (and the step count).
#define GRADUS_STATE_ARG(name, ...) TORCH_ARG(at::Tensor, name) = {};
#define GRADUS_STATE_VISIT(name, ...) v(#name, self.name());
#define GRADUS_STATE_MEMBER(name, ...) &Self::name##_,
#define GRADUS_STATE_FIRST(name, list, first, ...) \
  if (k == i++) return detail::FirstValue(first);
#define GRADUS_DECLARE_STATE(Name, STATE, SCALARS)                                          \
  struct Name##ParamState : public FusedParamState<Name##ParamState>,                        \
                            public detail::StepState<Name##ParamState, ops::Name##Hyper::kStepCount != ops::StepCount::kNone> { \
    using Self = Name##ParamState;                                                          \
    using Hyper = ops::Name##Hyper;                                                         \
    GRADUS_ALL_STATE(STATE, GRADUS_STATE_ARG)                                               \
    SCALARS(GRADUS_STATE_ARG)                                                               \
                                                                                            \
   public:                                                                                  \
    template <class S, class Visitor>                                                       \
    static void visit(S& self, Visitor&& v) {                                               \
      if constexpr (Self::kHasSteps) v("step", self.step());                                \
      GRADUS_ALL_STATE(STATE, GRADUS_STATE_VISIT)                                           \
      SCALARS(GRADUS_STATE_VISIT)                                                           \
    }                                                                                       \
    at::Tensor& slot(size_t k) { return this->*slot_members()[k]; }                         \
    at::Tensor& scalar(size_t k) { return this->*scalar_members()[k]; }                     \
    /* The first value of slot or scalar k, for a param of a group with `h`. */             \
    template <class Options>                                                                \
    static detail::FirstValue first_value(bool scalar, size_t k, const Hyper& h, const Options& defaults) { \
      size_t i = 0;                                                                         \
      (void)h;                                                                              \
      (void)defaults;                                                                       \
      if (!scalar) {                                                                        \
        GRADUS_ALL_STATE(STATE, GRADUS_STATE_FIRST)                                         \
      } else {                                                                              \
        SCALARS(GRADUS_STATE_FIRST)                                                         \
      }                                                                                     \
      return detail::FirstValue(0.0);                                                       \
    }                                                                                       \
                                                                                            \
   private:                                                                                 \
    static std::array<at::Tensor Self::*, Hyper::slots().size()> slot_members() {           \
      return {{GRADUS_ALL_STATE(STATE, GRADUS_STATE_MEMBER)}};                              \
    }                                                                                       \
    static std::array<at::Tensor Self::*, Hyper::scalars().size()> scalar_members() {       \
      return {{SCALARS(GRADUS_STATE_MEMBER)}};                                              \
    }                                                                                       \
  };

// The class, with an accessor per state entry, e.g. ASGD::ax(param).
#define GRADUS_SLOT_ACCESSOR(name, ...) \
  const at::Tensor& name(const at::Tensor& param) { return state_tensor(param, false, Hyper::Slot::name, #name); }
#define GRADUS_SCALAR_ACCESSOR(name, ...) \
  const at::Tensor& name(const at::Tensor& param) { return state_tensor(param, true, Hyper::Scalar::name, #name); }
#define GRADUS_DECLARE_CLASS(Name, OptionsName, StateName, STATE, SCALARS)      \
  extern template class ElementwiseOptimizer<OptionsName, StateName>;          \
  class Name : public ElementwiseOptimizer<OptionsName, StateName> {           \
   public:                                                                     \
    using ElementwiseOptimizer::ElementwiseOptimizer;                          \
    GRADUS_ALL_STATE(STATE, GRADUS_SLOT_ACCESSOR)                              \
    SCALARS(GRADUS_SCALAR_ACCESSOR)                                            \
  };

#define GRADUS_DECLARE_CLASSES(Name, OPTIONS, STATE, SCALARS)          \
  namespace gradus {                                                   \
  namespace optim {                                                    \
  GRADUS_DECLARE_DEFAULTS(Name, OPTIONS)                               \
  GRADUS_DECLARE_OPTIONS(Name, Name##Hyper, Name##Defaults, OPTIONS)   \
  GRADUS_DECLARE_STATE(Name, STATE, SCALARS)                           \
  GRADUS_DECLARE_CLASS(Name, Name##Options, Name##ParamState, STATE, SCALARS) \
  }                                                                    \
  }

// A variant: NameOptions with NameDefaults, Base's state and operator.
#define GRADUS_DECLARE_VARIANT(Name, Base, OPTIONS, STATE, SCALARS)     \
  namespace gradus {                                                    \
  namespace optim {                                                     \
  GRADUS_DECLARE_OPTIONS(Name, Base##Hyper, Name##Defaults, OPTIONS)    \
  using Name##ParamState = Base##ParamState;                            \
  GRADUS_DECLARE_CLASS(Name, Name##Options, Base##ParamState, STATE, SCALARS) \
  }                                                                     \
  }
