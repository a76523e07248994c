// The CPU loops of every gradus operator (optimizer_list.h), in this
// instruction set's copy (CPU_CAPABILITY).
#include "cpu/fused_cpu.h"
#include "cpu/fused_loop.h"
#include "optimizer_list.h"

#ifndef CPU_CAPABILITY
#error "CPU kernels are built with CPU_CAPABILITY defined (see cmake/GradusCpuKernels.cmake)"
#endif

namespace gradus {
namespace cpu {
namespace CPU_CAPABILITY {

template <class Hyper>
void run_fused(kernels::FusedCall<Hyper>& call) {
  kernels::check_call(call);
  // AMP: skip the step. Read through the pointer, as the CUDA kernel reads
  // its own: item() would be a device read on the step's path.
  if (call.found_inf.defined() && *call.found_inf.template data_ptr<float>() != 0) return;
  if (call.params.empty()) return;
  kernels::ContiguousCopies copies(call.params, call.grads, /*grads_written=*/call.grad_scale.defined(),
                                   call.pointers);
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, call.params[0].scalar_type(), "gradus_fused_cpu",
                                  [&] { run_typed<typename math::UpdateFor<Hyper>::type, scalar_t>(call); });
  copies.write_back();
}

#define GRADUS_INSTANTIATE_CPU(Name) \
  template void run_fused<ops::Name##Hyper>(kernels::FusedCall<ops::Name##Hyper>&);
GRADUS_FOR_EACH_OPERATOR(GRADUS_INSTANTIATE_CPU)

}  // namespace CPU_CAPABILITY
}  // namespace cpu
}  // namespace gradus
