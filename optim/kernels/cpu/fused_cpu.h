#pragma once
// The CPU loop of every gradus operator, compiled once per instruction set
// (cmake/GradusCpuKernels.cmake) into namespaces named like ATen's
// CPU_CAPABILITY; cpu_registration.cpp picks a copy at load time.
#include "fused_call.h"

namespace gradus {
namespace cpu {

// Updates every tensor of a checked call whose params and grads are
// contiguous and whose found_inf is not set; advances the step counts.
#define GRADUS_DECLARE_RUN_FUSED(capability)                 \
  namespace capability {                                     \
  template <class Hyper>                                     \
  void run_fused(kernels::FusedCall<Hyper>& call);           \
  }
GRADUS_DECLARE_RUN_FUSED(DEFAULT)
GRADUS_DECLARE_RUN_FUSED(AVX2)
#undef GRADUS_DECLARE_RUN_FUSED

}  // namespace cpu
}  // namespace gradus
