#pragma once
// The state codecs of cpu/state_blocks.h compiled for AVX-512
// (state_codecs_avx512.cpp). The AVX2 copy of the update pass calls them
// where the CPU has AVX-512 (capability_select.h): there the codecs'
// integer work takes half the instructions, while the update itself, bound
// by the divider, gains nothing from wider vectors and keeps its AVX2 code.
#include <cstdint>

#include "tensor_pointers.h"

namespace gradus {
namespace cpu {

// decode_state and encode_state of cpu/state_blocks.h, sixteen floats at a time.
void decode_state_avx512(const void* raw, kernels::StateFormat format, int64_t numel, int64_t start, int64_t len,
                         float* out);
void encode_state_avx512(const float* in, kernels::StateFormat format, int64_t numel, int64_t start, int64_t len,
                         void* raw);

}  // namespace cpu
}  // namespace gradus
