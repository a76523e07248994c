// cpu/state_blocks.h's state codecs in their AVX-512 copy (CPU_CAPABILITY
// AVX512, built with AVX-512 F and BW): cpu/state_codecs.h.
#include "cpu/state_codecs.h"

#include "cpu/state_blocks.h"

#if !defined(__AVX512BW__)
#error "built with AVX-512 F and BW (cmake/GradusCpuKernels.cmake)"
#endif

namespace gradus {
namespace cpu {

void decode_state_avx512(const void* raw, kernels::StateFormat format, int64_t numel, int64_t start, int64_t len,
                         float* out) {
  CPU_CAPABILITY::decode_state(raw, format, numel, start, len, out);
}

void encode_state_avx512(const float* in, kernels::StateFormat format, int64_t numel, int64_t start, int64_t len,
                         void* raw) {
  CPU_CAPABILITY::encode_state(in, format, numel, start, len, raw);
}

}  // namespace cpu
}  // namespace gradus
