// Registers the CPU kernel of every gradus operator (optimizer_list.h): it
// checks the call (fused_call.h), then runs the loop of the chosen
// instruction set (fused_cpu.h).
#include <torch/library.h>

#include "cpu/capability_select.h"
#include "cpu/fused_cpu.h"
#include "kernel_registration.h"
#include "optimizer_list.h"

namespace gradus {
namespace cpu {
namespace {

template <class Hyper>
void (*chosen_loop())(kernels::FusedCall<Hyper>&) {
#if defined(GRADUS_HAVE_AVX2)
  if (selected_capability() == Capability::kAvx2) return &AVX2::run_fused<Hyper>;
#endif
  return &DEFAULT::run_fused<Hyper>;
}

template <class Hyper>
void cpu_kernel(kernels::FusedCall<Hyper>& call) {
  static const auto loop = chosen_loop<Hyper>();
  kernels::check_call(call);
  if (call.found_inf.defined() && call.found_inf.template item<float>() != 0) return;  // AMP: skip the step
  if (call.params.empty()) return;
  kernels::ContiguousCopies copies(call.params, call.grads, /*grads_written=*/call.grad_scale.defined(),
                                   call.pointers);
  loop(call);
  copies.write_back();
}

}  // namespace
}  // namespace cpu
}  // namespace gradus

TORCH_LIBRARY_IMPL(gradus, CPU, m) {
#define GRADUS_REGISTER_CPU(Name) \
  gradus::kernels::register_kernel<gradus::ops::Name##Hyper, &gradus::cpu::cpu_kernel<gradus::ops::Name##Hyper>>(m);
  GRADUS_FOR_EACH_OPERATOR(GRADUS_REGISTER_CPU)
#undef GRADUS_REGISTER_CPU
}
