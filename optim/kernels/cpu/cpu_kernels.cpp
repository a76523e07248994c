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
  run_update<typename math::UpdateFor<Hyper>::type>(call);
}

#define GRADUS_INSTANTIATE_CPU(Name) \
  template void run_fused<ops::Name##Hyper>(kernels::FusedCall<ops::Name##Hyper>&);
GRADUS_FOR_EACH_OPERATOR(GRADUS_INSTANTIATE_CPU)

}  // namespace CPU_CAPABILITY
}  // namespace cpu
}  // namespace gradus
