#pragma once
// Which copy of the CPU kernels runs (see cpu/cpu_registration.cpp).

namespace gradus {
namespace cpu {

enum class Capability { kDefault, kAvx2 };

// The best capability this CPU runs that was built, unless the environment
// variable GRADUS_CPU_CAPABILITY=default asks for the baseline.
Capability selected_capability();

// Whether the AVX2 copy codes low-precision state with its AVX-512 codecs
// (cpu/state_codecs.h): they were built, the AVX2 copy runs, and the CPU
// has AVX-512 F and BW, unless GRADUS_CPU_CAPABILITY=avx2 asks for AVX2 alone.
bool avx512_state_codecs();

}  // namespace cpu
}  // namespace gradus
