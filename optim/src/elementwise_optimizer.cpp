// The step of every elementwise optimizer (gradus/optim/optimizers.h): its
// state, made from its declaration, and one call of its operator per bucket.
#include <gradus/ops/fused_step.h>
#include <gradus/optim/optimizers.h>

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

// A new state tensor of `param`'s size: its first value, or a copy of it.
at::Tensor first_state(const at::Tensor& param, const detail::FirstValue& first) {
  if (!first.copy) return full_state_like(param, first.value);
  return param.detach().to(kernels::state_dtype_for(param.scalar_type())).clone(at::MemoryFormat::Contiguous);
}

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
          if (Hyper::slot_used(hyper, k)) state.slot(k) = first_state(param, State::first_value(false, k, hyper, defaults));
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

// The shape and dtype the operator will ask of each state tensor (its
// device is moved to by the user, as LibTorch's), checked in load() so that
// a file that does not fit is refused before anything changes.
template <class Options, class State>
void ElementwiseOptimizer<Options, State>::check_loaded_state(const OptimizerParamState& loaded,
                                                              const at::Tensor& param,
                                                              const std::string& which) const {
  auto& state = const_cast<State&>(static_cast<const State&>(loaded));  // slot() is not const
  const at::ScalarType dtype = kernels::state_dtype_for(param.scalar_type());
  for (size_t k = 0; k < Hyper::slots().size(); ++k) {
    const at::Tensor& t = state.slot(k);
    TORCH_CHECK(!t.defined() || (t.sizes() == param.sizes() && t.scalar_type() == dtype), name(),
                ": the state file's ", Hyper::slots()[k], " entry of ", which, " is ", t.scalar_type(), " ",
                t.sizes(), ", but this param needs ", dtype, " ", param.sizes());
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
  const Hyper hyper = hyper_of(static_cast<const Options&>(options));
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
      state->slot(k) = first_state(params[i], State::first_value(false, k, hyper, defaults));
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
