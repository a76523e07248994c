// Compiled once, without CPU_CAPABILITY: chooses which kernel copy runs.
#include "cpu/capability_select.h"

#include <cstdlib>
#include <cstring>

namespace gradus {
namespace cpu {

Capability selected_capability() {
  static const Capability chosen = [] {
    const char* forced = std::getenv("GRADUS_CPU_CAPABILITY");
    if (forced && std::strcmp(forced, "default") == 0) return Capability::kDefault;
#if defined(GRADUS_HAVE_AVX2) && (defined(__x86_64__) || defined(__i386__))
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Capability::kAvx2;
#endif
    return Capability::kDefault;
  }();
  return chosen;
}

}  // namespace cpu
}  // namespace gradus
