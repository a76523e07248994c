// Registers the CPU kernel of every gradus operator (optimizer_list.h), in
// the copy of the instruction set this CPU runs (fused_cpu.h).
#include <torch/library.h>

#include "cpu/capability_select.h"
#include "cpu/fused_cpu.h"
#include "kernel_registration.h"
#include "optimizer_list.h"

namespace gradus {
namespace cpu {
namespace {

// The copy of the kernels this CPU runs, chosen once when the library loads.
template <class Hyper>
void register_cpu_kernel(torch::Library& m) {
#if defined(GRADUS_HAVE_AVX2)
  if (selected_capability() == Capability::kAvx2) {
    kernels::register_kernel<Hyper, &AVX2::run_fused<Hyper>>(m);
    return;
  }
#endif
  kernels::register_kernel<Hyper, &DEFAULT::run_fused<Hyper>>(m);
}

}  // namespace
}  // namespace cpu
}  // namespace gradus

TORCH_LIBRARY_IMPL(gradus, CPU, m) {
#define GRADUS_REGISTER_CPU(Name) gradus::cpu::register_cpu_kernel<gradus::ops::Name##Hyper>(m);
  GRADUS_FOR_EACH_OPERATOR(GRADUS_REGISTER_CPU)
#undef GRADUS_REGISTER_CPU
}
