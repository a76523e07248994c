// ops::fused_step: an unboxed call into the dispatcher, with the signature
// derived from the operator's description (operator_signature.h).
#include <gradus/ops/fused_step.h>

#include <ATen/core/LegacyTypeDispatch.h>
#include <ATen/core/dispatch/Dispatcher.h>

#include <utility>

#include "fused_call.h"
#include "operator_signature.h"
#include "optimizer_list.h"

namespace gradus {
namespace ops {
namespace {

template <class Hyper, bool kTensorLr>
using Signature = kernels::OperatorSignature<Hyper, kTensorLr>;

template <class Hyper, bool kTensorLr>
const c10::TypedOperatorHandle<typename Signature<Hyper, kTensorLr>::type>& operator_handle() {
  static const auto handle =
      c10::Dispatcher::singleton()
          .findSchemaOrThrow((std::string("gradus::") + Hyper::kName).c_str(), kTensorLr ? "tensor_lr" : "")
          .template typed<typename Signature<Hyper, kTensorLr>::type>();
  return handle;
}

c10::optional<at::Tensor> optional_tensor(const at::Tensor& t) {
  return t.defined() ? c10::optional<at::Tensor>(t) : c10::nullopt;
}

// The arguments in schema order: the lists, then the fields, then AMP's.
template <class Hyper, bool kTensorLr, size_t... L, size_t... F>
void call_operator(const std::array<at::TensorList, sizeof...(L)>& lists, const Hyper& hyper,
                   const StepTensors& extra, std::index_sequence<L...>, std::index_sequence<F...>) {
  auto field = [&](auto index) -> decltype(auto) {
    constexpr size_t I = decltype(index)::value;
    if constexpr (kTensorLr && I == 0) {
      return static_cast<const at::Tensor&>(extra.lr);
    } else {
      return hyper.*(std::get<I>(Hyper::fields()).member);
    }
  };
  // The step is not differentiable: autograd's layers are skipped, which in
  // LibTorch 2.x would otherwise box every list through its fallback.
  at::AutoDispatchBelowADInplaceOrView below_autograd;
  operator_handle<Hyper, kTensorLr>().call(lists[L]..., field(std::integral_constant<size_t, F>{})...,
                                           optional_tensor(extra.grad_scale), optional_tensor(extra.found_inf));
}

}  // namespace

template <class Hyper>
void fused_step(const FusedTensors& tensors, const Hyper& hyper, const StepTensors& extra) {
  constexpr size_t kSlots = kernels::kSlotCount<Hyper>;
  constexpr size_t kScalars = kernels::kScalarCount<Hyper>;
  // The Kahan buffers' list, every declared operator's last, may be left
  // out by callers that keep none (Adafactor, Muon's AdamW).
  const size_t given = tensors.state.size();
  TORCH_CHECK(given == kSlots || (ops::kHasRounding<Hyper> && given + 1 == kSlots), "gradus::", Hyper::kName,
              ": state has ", given, " lists but the operator keeps ", kSlots);
  TORCH_CHECK(tensors.scalars.size() == kScalars, "gradus::", Hyper::kName, ": scalars has ",
              tensors.scalars.size(), " lists but the operator keeps ", kScalars);
  constexpr size_t kLists = kernels::kListCount<Hyper>;
  std::array<at::TensorList, kLists> lists;
  lists[0] = tensors.params;
  lists[1] = tensors.grads;
  for (size_t k = 0; k < given; ++k) lists[2 + k] = tensors.state[k];
  if constexpr (Hyper::kStepCount != StepCount::kNone) lists[2 + kSlots] = tensors.state_steps;
  for (size_t k = 0; k < kScalars; ++k) lists[kLists - kScalars + k] = tensors.scalars[k];
  if (tensors.params.empty()) {
    // No tensor to dispatch on: the shared checks still see the call.
    kernels::FusedCall<Hyper> call;
    call.op = std::string("gradus::") + Hyper::kName;
    call.params = lists[0];
    call.grads = lists[1];
    for (size_t k = 0; k < kSlots; ++k) call.state[k] = lists[2 + k];  // the Kahan list empty if not given
    call.steps = tensors.state_steps;
    for (size_t k = 0; k < kScalars; ++k) call.scalars[k] = tensors.scalars[k];
    call.hyper = hyper;
    call.lr = extra.lr;
    call.grad_scale = extra.grad_scale;
    call.found_inf = extra.found_inf;
    kernels::check_call(call);
    return;
  }
  constexpr auto kListIndices = std::make_index_sequence<kLists>{};
  constexpr auto kFieldIndices = std::make_index_sequence<kernels::kFieldCount<Hyper>>{};
  if (extra.lr.defined()) {
    call_operator<Hyper, true>(lists, hyper, extra, kListIndices, kFieldIndices);
  } else {
    call_operator<Hyper, false>(lists, hyper, extra, kListIndices, kFieldIndices);
  }
}

#define GRADUS_INSTANTIATE_FUSED_STEP(Name) \
  template void fused_step<Name##Hyper>(const FusedTensors&, const Name##Hyper&, const StepTensors&);
GRADUS_FOR_EACH_OPERATOR(GRADUS_INSTANTIATE_FUSED_STEP)

}  // namespace ops
}  // namespace gradus
