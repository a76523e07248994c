// Registers the CUDA kernel of every gradus operator (optimizer_list.h): it
// checks the call with the code every backend shares (fused_call.h), then
// hands raw pointers to cuda/fused_launch.h. Built only when Torch has CUDA.
#include <ATen/ops/empty.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/library.h>

#include "cuda/fused_launch.h"
#include "fused_call.h"
#include "kernel_registration.h"
#include "optimizer_list.h"

namespace gradus {
namespace cuda {
namespace {

ParamType param_type_of(at::ScalarType t) {
  switch (t) {
    case at::kDouble: return ParamType::kDouble;
    case at::kHalf: return ParamType::kHalf;
    case at::kBFloat16: return ParamType::kBFloat16;
    default: return ParamType::kFloat;  // check_call admits only these four
  }
}

const float* pointer_or_null(const at::Tensor& t) { return t.defined() ? t.data_ptr<float>() : nullptr; }

template <class Hyper>
FusedLists lists_of(kernels::FusedCall<Hyper>& call) {
  FusedLists lists;
  lists.param_type = param_type_of(call.params[0].scalar_type());
  static_cast<kernels::TensorPointers&>(lists) = std::move(call.pointers);
  lists.lr = pointer_or_null(call.lr);
  lists.grad_scale = pointer_or_null(call.grad_scale);
  lists.found_inf = pointer_or_null(call.found_inf);
  lists.stream = c10::cuda::getCurrentCUDAStream(call.params[0].device().index()).stream();
  return lists;
}

template <class Hyper>
void cuda_kernel(kernels::FusedCall<Hyper>& call) {
  kernels::check_call(call);
  if (call.params.empty()) return;
  c10::cuda::CUDAGuard guard(call.params[0].device());
  kernels::ContiguousCopies copies(call.params, call.grads, /*grads_written=*/call.grad_scale.defined(),
                                   call.pointers);
  FusedLists lists = lists_of(call);
  // The reductions' partial sums; freed into the caching allocator on this
  // stream once the kernels are queued, which orders their reuse after them.
  at::Tensor partials;
  constexpr int64_t kReductions = static_cast<int64_t>(math::kReductionsOf<typename math::UpdateFor<Hyper>::type>);
  if constexpr (kReductions > 0) {
    partials = at::empty({chunk_count(lists.numels) * kReductions}, call.params[0].options().dtype(at::kDouble));
    lists.partials = partials.data_ptr<double>();
  }
  const char* error = launch(lists, call.hyper);
  TORCH_CHECK(error == nullptr, call.op, ": CUDA kernel launch failed: ", error);
  copies.write_back();
}

}  // namespace
}  // namespace cuda
}  // namespace gradus

TORCH_LIBRARY_IMPL(gradus, CUDA, m) {
#define GRADUS_REGISTER_CUDA(Name) \
  gradus::kernels::register_kernel<gradus::ops::Name##Hyper, &gradus::cuda::cuda_kernel<gradus::ops::Name##Hyper>>(m);
  GRADUS_FOR_EACH_OPERATOR(GRADUS_REGISTER_CUDA)
#undef GRADUS_REGISTER_CUDA
}
