// Compiled once, without CPU_CAPABILITY: chooses which kernel copy runs.
#include "cpu/capability_select.h"

#include <cstdlib>
#include <cstring>

namespace gradus {
namespace cpu {
namespace {

bool forced(const char* name) {
  const char* value = std::getenv("GRADUS_CPU_CAPABILITY");
  return value && std::strcmp(value, name) == 0;
}

}  // namespace

Capability selected_capability() {
  static const Capability chosen = [] {
    if (forced("default")) return Capability::kDefault;
#if defined(GRADUS_HAVE_AVX2) && (defined(__x86_64__) || defined(__i386__))
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Capability::kAvx2;
#endif
    return Capability::kDefault;
  }();
  return chosen;
}

bool avx512_state_codecs() {
  static const bool chosen = [] {
    if (selected_capability() != Capability::kAvx2 || forced("avx2")) return false;
#if defined(GRADUS_HAVE_AVX512_CODECS) && (defined(__x86_64__) || defined(__i386__))
    // libgcc's check includes the operating system's: it saves the AVX-512 registers.
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
#else
    return false;
#endif
  }();
  return chosen;
}

}  // namespace cpu
}  // namespace gradus
