// ops::fused_step: a boxed call into the dispatcher, built from the
// operator's description.
#include <gradus/ops/fused_step.h>

#include <ATen/core/dispatch/Dispatcher.h>

#include <type_traits>

#include "fused_call.h"
#include "optimizer_list.h"

namespace gradus {
namespace ops {
namespace {

template <class Hyper>
const c10::OperatorHandle& operator_handle(bool tensor_lr) {
  static const std::string name = std::string("gradus::") + Hyper::kName;
  static const c10::OperatorHandle plain = c10::Dispatcher::singleton().findSchemaOrThrow(name.c_str(), "");
  static const c10::OperatorHandle with_tensor_lr =
      c10::Dispatcher::singleton().findSchemaOrThrow(name.c_str(), "tensor_lr");
  return tensor_lr ? with_tensor_lr : plain;
}

c10::IValue optional_tensor(const at::Tensor& t) { return t.defined() ? c10::IValue(t) : c10::IValue(); }

}  // namespace

template <class Hyper>
void fused_step(const FusedTensors& tensors, const Hyper& hyper, const StepTensors& extra) {
  constexpr size_t kSlots = kernels::kSlotCount<Hyper>;
  TORCH_CHECK(tensors.state.size() == kSlots, "gradus::", Hyper::kName, ": state has ", tensors.state.size(),
              " lists but the operator keeps ", kSlots);
  if (tensors.params.empty()) {
    // No tensor to dispatch on: the shared checks still see the call.
    kernels::FusedCall<Hyper> call;
    call.op = std::string("gradus::") + Hyper::kName;
    call.grads = tensors.grads;
    for (size_t k = 0; k < kSlots; ++k) call.state[k] = tensors.state[k];
    call.steps = tensors.state_steps;
    call.hyper = hyper;
    call.lr = extra.lr;
    call.grad_scale = extra.grad_scale;
    call.found_inf = extra.found_inf;
    kernels::check_call(call);
    return;
  }
  const bool tensor_lr = extra.lr.defined();
  torch::jit::Stack stack;
  stack.reserve(4 + kSlots + std::tuple_size_v<decltype(Hyper::fields())>);
  stack.emplace_back(tensors.params);
  stack.emplace_back(tensors.grads);
  for (const auto& slot : tensors.state) stack.emplace_back(slot);
  if (Hyper::kStepCount != StepCount::kNone) stack.emplace_back(tensors.state_steps);
  kernels::for_each_field<Hyper>([&](const auto& field) {
    if (tensor_lr && std::string(field.name) == "lr") {
      stack.emplace_back(extra.lr);
    } else {
      stack.emplace_back(hyper.*field.member);
    }
  });
  stack.push_back(optional_tensor(extra.grad_scale));
  stack.push_back(optional_tensor(extra.found_inf));
  operator_handle<Hyper>(tensor_lr).callBoxed(&stack);
}

#define GRADUS_INSTANTIATE_FUSED_STEP(Name) \
  template void fused_step<Name##Hyper>(const FusedTensors&, const Name##Hyper&, const StepTensors&);
GRADUS_FOR_EACH_OPTIMIZER(GRADUS_INSTANTIATE_FUSED_STEP)

}  // namespace ops
}  // namespace gradus
