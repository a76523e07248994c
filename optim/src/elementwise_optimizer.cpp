// The step of every elementwise optimizer (gradus/optim/optimizers.h): its
// state, made from its declaration, and one call of its operator per bucket.
#include <gradus/ops/fused_step.h>
#include <gradus/optim/optimizers.h>

#include <ATen/ops/zeros_like.h>

#include <type_traits>
#include <utility>

#include "call_lists.h"
#include "fused_call.h"
#include "state_tensors.h"
#include "torch_version.h"

namespace gradus {
namespace optim {
namespace {

// An operator whose declaration has is_first_step (SGD): its first call on a
// param's new state starts the buffer from the gradient.
template <class Hyper, class = void>
struct HasFirstStep : std::false_type {};
template <class Hyper>
struct HasFirstStep<Hyper, std::void_t<decltype(&Hyper::is_first_step)>> : std::true_type {};

// The precision of the state of `param` in a group with `options`: the
// option's from state_precision_min_numel elements up, else float32.
StatePrecision precision_for(const OptimizerOptions& options, const at::Tensor& param) {
  const auto& o = dynamic_cast<const FusedOptionsBase&>(options);
  return param.numel() >= o.state_precision_min_numel() ? o.state_precision() : StatePrecision::float32;
}

// A new state tensor of `param`: its first value, or a copy of it, in
// `precision`; the Kahan buffer (the last slot) starts at 0 in the param's dtype.
template <class Hyper>
at::Tensor first_state(const at::Tensor& param, size_t slot, const detail::FirstValue& first, StatePrecision precision) {
  if (slot + 1 == Hyper::slots().size()) return at::zeros_like(param, at::MemoryFormat::Contiguous);
  at::Tensor values = first.copy ? param.detach().to(kernels::state_dtype_for(param.scalar_type()))
                                       .clone(at::MemoryFormat::Contiguous)
                                 : full_state_like(param, first.value);
  return precision == StatePrecision::float32 ? values : encode_state(values, precision, param);
}

bool is_reduced(at::ScalarType dtype) { return dtype == at::kHalf || dtype == at::kBFloat16; }

// What a step made, undone if its operator refuses the call: the step then
// leaves the optimizer as it found it.
template <class State>
struct MadeThisStep {
  std::vector<at::Tensor> states;                   // params whose state is new
  std::vector<std::pair<State*, size_t>> slots;  // slots new on older states
};

}  // namespace

template <class Options, class State>
ElementwiseOptimizer<Options, State>::ElementwiseOptimizer(std::vector<OptimizerParamGroup> param_groups,
                                                           Options default_options)
    : FusedOptimizer(std::move(param_groups), std::make_unique<Options>(std::move(default_options)),
                     Options::kOptimizer) {
  check_all_options();
  if constexpr ((Hyper::kFlags & ops::Flags::kStateAtConstruction) != 0) {
    const auto& defaults = static_cast<const Options&>(this->defaults());
    for (const auto& group : param_groups_) {
      const Hyper hyper = hyper_of(static_cast<const Options&>(group.options()));
      for (const at::Tensor& param : group.params()) {
        State& state = new_state(param, hyper);
        for (size_t k = 0; k < Hyper::slots().size(); ++k) {
          if (Hyper::slot_used(hyper, k)) {
            state.slot(k) = first_state<Hyper>(param, k, State::first_value(false, k, hyper, defaults),
                                               precision_for(group.options(), param));
          }
        }
      }
    }
  }
}

template <class Options, class State>
ElementwiseOptimizer<Options, State>::ElementwiseOptimizer(std::vector<at::Tensor> params, Options defaults)
    : ElementwiseOptimizer(single_group(std::move(params), Options::kOptimizer), std::move(defaults)) {}

template <class Options, class State>
void ElementwiseOptimizer<Options, State>::check_options(const OptimizerOptions& options) const {
  const auto& o = static_cast<const Options&>(options);
  ops::check_hyper(name(), hyper_of(o));
  o.check_own(name());
}

template <class Options, class State>
State& ElementwiseOptimizer<Options, State>::new_state(const at::Tensor& param, const Hyper& hyper) {
  auto state = std::make_unique<State>();
  if constexpr (State::kHasSteps) state->step(new_step_count(param));
  const auto& defaults = static_cast<const Options&>(this->defaults());
  for (size_t k = 0; k < Hyper::scalars().size(); ++k) {
    state->scalar(k) = new_scalar_state(param, State::first_value(true, k, hyper, defaults).value);
  }
  State& made = *state;
  set_state(param, std::move(state));
  return made;
}

// The operator's values for a group: its options' and the low-precision
// ones every group has (gradus/optim/precision.h).
template <class Options, class State>
typename Options::Hyper ElementwiseOptimizer<Options, State>::with_rounding(Hyper hyper,
                                                                           const OptimizerOptions& options) {
  const auto& o = dynamic_cast<const FusedOptionsBase&>(options);
  hyper.kahan = o.compensation() == Compensation::kahan;
  hyper.stochastic_rounding = o.compensation() == Compensation::stochastic_rounding;
  hyper.rounding_seed = static_cast<double>(o.rounding_seed());
  hyper.rounding_step = static_cast<double>(o.rounding_step() & 0xffffffff);
  return hyper;
}

// What the options ask of each param, checked for every bucket before any
// moves: compensation needs float16 or bfloat16 params, low-precision state
// float32, float16 or bfloat16 ones, and int8 state a tensor, not a number.
template <class Options, class State>
void ElementwiseOptimizer<Options, State>::check_bucket(const OptimizerOptions& options,
                                                        const ParamBucket& bucket) const {
  const auto& o = dynamic_cast<const FusedOptionsBase&>(options);
  for (const at::Tensor& param : bucket.params()) {
    const at::ScalarType dtype = param.scalar_type();
    TORCH_CHECK(o.compensation() == Compensation::none || is_reduced(dtype), name(), ": compensation ",
                to_string(o.compensation()), " is for float16 and bfloat16 params, but a param of shape ",
                param.sizes(), " is ", dtype, " (its updates are not rounded: use compensation none)");
    const StatePrecision precision = precision_for(options, param);
    if (precision == StatePrecision::float32) continue;
    TORCH_CHECK(dtype == at::kFloat || is_reduced(dtype), name(), ": state_precision ", to_string(precision),
                " is for float32, float16 and bfloat16 params, but a param of shape ", param.sizes(), " is ", dtype);
    TORCH_CHECK(precision != StatePrecision::int8 || param.dim() > 0, name(),
                ": int8 state needs a param of at least one dimension, but one is a 0-dim ", dtype,
                " (state_precision_min_numel ", o.state_precision_min_numel(), " lets it in)");
  }
}

// The shape, dtype and precision the operator will ask of each state
// tensor (its device is moved to by the user, as LibTorch's), checked in
// load() so that a file that does not fit is refused before anything
// changes. State of another precision than the group's is converted by
// load_converting() and refused by load().
template <class Options, class State>
void ElementwiseOptimizer<Options, State>::check_loaded_state(const OptimizerParamState& loaded,
                                                              const at::Tensor& param,
                                                              const std::string& which) const {
  auto& state = const_cast<State&>(static_cast<const State&>(loaded));  // slot() is not const
  const StatePrecision want = loaded_options_ ? precision_for(*loaded_options_, param) : StatePrecision::float32;
  for (size_t k = 0; k < Hyper::slots().size(); ++k) {
    at::Tensor& t = state.slot(k);
    if (!t.defined()) continue;
    if (k + 1 == Hyper::slots().size()) {  // the Kahan buffer
      TORCH_CHECK(t.sizes() == param.sizes() && t.scalar_type() == param.scalar_type(), name(),
                  ": the state file's compensation entry of ", which, " is ", t.scalar_type(), " ", t.sizes(),
                  ", but this param needs ", param.scalar_type(), " ", param.sizes());
      continue;
    }
    check_state_precision(t, param, Hyper::slots()[k], which, want);
  }
  for (size_t k = 0; k < Hyper::scalars().size(); ++k) {
    TORCH_CHECK(!state.scalar(k).defined() || state.scalar(k).numel() == 1, name(), ": the state file's ",
                ops::scalar_names<Hyper>()[k], " entry of ", which, " is not one number");
  }
  if constexpr (State::kHasSteps) {
    TORCH_CHECK(!state.step().defined() || state.step().numel() == 1, name(), ": the state file's step of ", which,
                " is not one number");
  }
}

template <class Options, class State>
void ElementwiseOptimizer<Options, State>::step_bucket(const OptimizerOptions& options, ParamBucket& bucket) {
  constexpr size_t kSlots = Hyper::slots().size(), kScalars = Hyper::scalars().size();
  const Hyper hyper = with_rounding(hyper_of(static_cast<const Options&>(options)), options);
  const auto& defaults = static_cast<const Options&>(this->defaults());
  const at::TensorList params = bucket.params(), grads = bucket.grads();
  bool keeps_state = State::kHasSteps || kScalars > 0;
  for (size_t k = 0; k < kSlots; ++k) keeps_state = keeps_state || Hyper::slot_used(hyper, k);
  // New state starts in `fresh` where the operator treats a first step apart.
  CallLists lists(kSlots, params.size(), kScalars), fresh(kSlots, 0, kScalars);
  MadeThisStep<State> made;
  const std::vector<OptimizerParamState*> found =
      keeps_state ? find_states(params) : std::vector<OptimizerParamState*>(params.size());
  for (size_t i = 0; i < params.size() && keeps_state; ++i) {
    State* state = static_cast<State*>(found[i]);
    bool is_new = state == nullptr;
    if (is_new) {
      state = &new_state(params[i], hyper);
      made.states.push_back(params[i]);
    }
    for (size_t k = 0; k < kSlots; ++k) {
      if (!Hyper::slot_used(hyper, k) || state->slot(k).defined()) continue;
      state->slot(k) = first_state<Hyper>(params[i], k, State::first_value(false, k, hyper, defaults),
                                          precision_for(options, params[i]));
      if (!is_new) made.slots.emplace_back(state, k);
      is_new = true;
    }
    CallLists& call = (HasFirstStep<Hyper>::value && is_new) ? fresh : lists;
    call.add_param(params[i], grads[i]);
    for (size_t k = 0; k < kSlots; ++k) {
      if (Hyper::slot_used(hyper, k)) call.add_state(k, state->slot(k));
    }
    if constexpr (State::kHasSteps) call.add_step(state->step());
    for (size_t k = 0; k < kScalars; ++k) call.add_scalar(k, state->scalar(k));
  }
  if (!keeps_state) {
    for (size_t i = 0; i < params.size(); ++i) lists.add_param(params[i], grads[i]);
  }
  const ops::StepTensors extra = step_tensors(options);
  try {
    if (!fresh.params().empty()) {
      Hyper first = hyper;
      if constexpr (HasFirstStep<Hyper>::value) first.is_first_step = true;
      kernels::CheckedValues<Hyper> checked(first);
      ops::fused_step(fresh.view(), first, extra);
    }
    if (!lists.params().empty()) {
      kernels::CheckedValues<Hyper> checked(hyper);
      ops::fused_step(lists.view(), hyper, extra);
    }
  } catch (...) {
    for (const at::Tensor& param : made.states) state_.erase(torch_version::state_key(param));
    for (auto& [state, k] : made.slots) state->slot(k) = at::Tensor();
    throw;
  }
}

template <class Options, class State>
std::unique_ptr<OptimizerParamState> ElementwiseOptimizer<Options, State>::make_empty_state() const {
  return std::make_unique<State>();
}

template <class Options, class State>
const at::Tensor& ElementwiseOptimizer<Options, State>::state_tensor(const at::Tensor& param, bool scalar, size_t k,
                                                                     const char* what) {
  OptimizerParamState* state = find_state(param);
  TORCH_CHECK(state != nullptr, name(), "::", what, ": this parameter (shape ", param.sizes(),
              ") has no state: it is not in this optimizer or has not been stepped yet");
  auto& s = static_cast<State&>(*state);
  return scalar ? s.scalar(k) : s.slot(k);
}

#define GRADUS_INSTANTIATE_CLASS(Name) template class ElementwiseOptimizer<Name##Options, Name##ParamState>;
GRADUS_FOR_EACH_ELEMENTWISE_CLASS(GRADUS_INSTANTIATE_CLASS)
#undef GRADUS_INSTANTIATE_CLASS

}  // namespace optim
}  // namespace gradus
