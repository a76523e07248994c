#pragma once
// The CPU loop of every gradus operator, compiled once per instruction set
// (cmake/GradusCpuKernels.cmake) into namespaces named like ATen's
// CPU_CAPABILITY; cpu_registration.cpp picks a copy at load time.
#include "fused_call.h"

namespace gradus {
namespace cpu {

// The CPU kernel of operator Hyper::kName in this instruction set's copy:
// checks the call (fused_call.h), then updates every tensor and advances
// the step counts, unless found_inf is set.
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
