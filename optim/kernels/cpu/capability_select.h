#pragma once
// Which copy of the CPU kernels runs (see cpu/cpu_registration.cpp).

namespace gradus {
namespace cpu {

enum class Capability { kDefault, kAvx2 };

// The best capability this CPU runs that was built, unless the environment
// variable GRADUS_CPU_CAPABILITY=default asks for the baseline.
Capability selected_capability();

}  // namespace cpu
}  // namespace gradus
