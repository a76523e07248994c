#pragma once
// The CUDA side of the low-precision formats (gradus/optim/precision.h):
// state kept as bfloat16 or float16 or as int8 blocks, and float16/bfloat16
// params written with Kahan summation or stochastic rounding. Element by
// element the formats are math/state_codec.h's, which the CPU passes use
// too, so from the same floats both write the same bits.
#include <cstdint>

#include <gradus/ops/op_description.h>
#include <gradus/optim/state_codec.h>

#include "cuda/lanes.cuh"
#include "tensor_pointers.h"

namespace gradus {
namespace cuda {

// How a call writes float16 and bfloat16 params (the operator's rounding
// arguments; the hand-written operators have none).
struct Rounding {
  bool kahan = false;  // the last state slot is the Kahan buffer, when it is given
  bool stochastic = false;
  uint64_t seed = 0;
  uint32_t step = 0;
};

template <class Hyper>
__device__ __forceinline__ Rounding rounding_of(const Hyper& hyper) {
  Rounding r;
  if constexpr (ops::kHasRounding<Hyper>) {
    r.kahan = hyper.kahan;
    r.stochastic = hyper.stochastic_rounding;
    r.seed = static_cast<uint64_t>(hyper.rounding_seed);
    r.step = static_cast<uint32_t>(static_cast<uint64_t>(hyper.rounding_step));
  }
  return r;
}

// A warp takes one int8 block at a time, so that the block's absmax is a
// warp reduction: lane l holds kILP elements from kILP * l of each of the
// block's kSpans spans of kWarpSpan elements.
constexpr int kWarpSize = 32;
constexpr int kWarpSpan = kWarpSize * kILP;
constexpr int kSpans = static_cast<int>(math::kQuantBlock / kWarpSpan);
static_assert(math::kQuantBlock % kWarpSpan == 0, "an int8 block is whole spans of a warp");

// Of kILP elements from `offset` of a chunk of `len`, how many exist.
__device__ __forceinline__ int valid_of(int64_t offset, int64_t len) {
  const int64_t left = len - offset;
  return left <= 0 ? 0 : (left < kILP ? static_cast<int>(left) : kILP);
}

__device__ __forceinline__ const float* q8_scales(const void* raw, int64_t numel) {
  return reinterpret_cast<const float*>(static_cast<const int8_t*>(raw) + math::quant_blocks(numel) * math::kQuantBlock);
}

// kILP elements of a state tensor (`numel` elements in `format`) from its
// element e, as floats; those from `valid` on read as 0.
__device__ __forceinline__ void load_state(float* dst, const void* raw, uint8_t format, int64_t numel, int64_t e,
                                           int valid) {
#pragma unroll
  for (int i = 0; i < kILP; ++i) {
    float v = 0.f;
    if (i < valid) {
      switch (format) {
        case kernels::kBFloat16State:
          v = __uint_as_float(uint32_t(static_cast<const uint16_t*>(raw)[e + i]) << 16);
          break;
        case kernels::kHalfState: v = __half2float(static_cast<const __half*>(raw)[e + i]); break;
        case kernels::kQuant8State:
          v = math::decode_q8_scaled(static_cast<const int8_t*>(raw)[e + i],
                                     q8_scales(raw, numel)[(e + i) / math::kQuantBlock]);
          break;
        default: v = static_cast<const float*>(raw)[e + i];
      }
    }
    dst[i] = v;
  }
}

// Writes the first `valid` of kILP floats as elements from e of a state in
// `format`, rounded to nearest (bfloat16 as c10::BFloat16 rounds); not int8.
__device__ __forceinline__ void store_state(const float* src, void* raw, uint8_t format, int64_t e, int valid) {
#pragma unroll
  for (int i = 0; i < kILP; ++i) {
    if (i >= valid) break;
    switch (format) {
      case kernels::kBFloat16State:
        static_cast<uint16_t*>(raw)[e + i] = math::bf16_nearest_bits(__float_as_uint(src[i]));
        break;
      case kernels::kHalfState: static_cast<__half*>(raw)[e + i] = __float2half_rn(src[i]); break;
      default: static_cast<float*>(raw)[e + i] = src[i];
    }
  }
}

// Encodes int8 block `block` of a state of `numel` elements from the warp's
// values: lane l's x[h][i] is element kWarpSpan * h + kILP * l + i of the
// block, present below valid[h]. The scale is the absmax of the present
// ones (NaN if one is NaN), negated when none has its sign bit set (the
// unsigned map), as the CPU's encode_state does. Every lane must call it.
__device__ __forceinline__ void store_q8_block(const float (&x)[kSpans][kILP], const int (&valid)[kSpans], void* raw,
                                               int64_t numel, int64_t block) {
  uint32_t absmax = 0, signs = 0;
#pragma unroll
  for (int h = 0; h < kSpans; ++h) {
#pragma unroll
    for (int i = 0; i < kILP; ++i) {
      if (i >= valid[h]) break;
      const uint32_t u = __float_as_uint(x[h][i]);
      absmax = max(absmax, u & 0x7fffffffu);
      signs |= u;
    }
  }
#pragma unroll
  for (int width = kWarpSize / 2; width > 0; width /= 2) {
    absmax = max(absmax, __shfl_xor_sync(0xffffffffu, absmax, width));
    signs |= __shfl_xor_sync(0xffffffffu, signs, width);
  }
  const float scale = __uint_as_float(absmax);
  const bool any_negative = (signs >> 31) != 0u;
  const int lane = static_cast<int>(threadIdx.x % kWarpSize);
  if (lane == 0) const_cast<float*>(q8_scales(raw, numel))[block] = any_negative ? scale : -scale;
  const float inverse = scale > 0 ? 1.0f / scale : 0.0f;
  const math::Q8Map map = math::q8_map(!any_negative);
  int8_t* codes = static_cast<int8_t*>(raw) + block * math::kQuantBlock;
#pragma unroll
  for (int h = 0; h < kSpans; ++h) {
#pragma unroll
    for (int i = 0; i < kILP; ++i) {
      if (i >= valid[h]) break;
      codes[h * kWarpSpan + lane * kILP + i] = math::encode_q8(x[h][i] * inverse, map);
    }
  }
}

__device__ __forceinline__ float widen(__half v) { return __half2float(v); }
__device__ __forceinline__ float widen(__nv_bfloat16 v) { return __bfloat162float(v); }

template <typename T>
__device__ __forceinline__ T nearest_of(float x);
template <>
__device__ __forceinline__ __half nearest_of<__half>(float x) { return __float2half_rn(x); }
template <>
__device__ __forceinline__ __nv_bfloat16 nearest_of<__nv_bfloat16>(float x) {
  return __ushort_as_bfloat16(math::bf16_nearest_bits(__float_as_uint(x)));
}

// x rounded stochastically with the random word `word`, as the CPU rounds:
// math::bf16_stochastic_bits and math::half_stochastic_bits.
template <typename T>
__device__ __forceinline__ T stochastic_of(float x, uint32_t word);
template <>
__device__ __forceinline__ __nv_bfloat16 stochastic_of<__nv_bfloat16>(float x, uint32_t word) {
  return __ushort_as_bfloat16(math::bf16_stochastic_bits(__float_as_uint(x), word));
}
template <>
__device__ __forceinline__ __half stochastic_of<__half>(float x, uint32_t word) {
  auto nearest = [](float v) { return __half_as_ushort(__float2half_rn(v)); };
  auto widen = [](uint16_t bits) { return __half2float(__ushort_as_half(bits)); };
  return __ushort_as_half(math::half_stochastic_bits(x, word, nearest, widen));
}

// Writes kILP updated params `p` (from `old`) at `offset` of a chunk of
// `len` of a float16/bfloat16 param, whose element e (a multiple of kILP)
// that is: with Kahan summation into `comp` when it is given, else
// stochastically or to nearest as `r` says. float params are stored as they are.
template <typename param_t>
__device__ __forceinline__ void store_params(param_t* param, int64_t offset, int64_t len, bool vector, const float* p,
                                             const float* old, float* comp, const Rounding& r, int32_t index,
                                             int64_t e) {
  if constexpr (std::is_same<param_t, float>::value) {
    store_lane(param, p, offset, len, vector);
  } else {
    param_t q[kILP];
    if (comp != nullptr) {
#pragma unroll
      for (int i = 0; i < kILP; ++i) {
        q[i] = nearest_of<param_t>(math::kahan_sum(p[i], old[i], comp[i]));
        comp[i] = math::kahan_residual(p[i], old[i], comp[i], widen(q[i]));
      }
    } else if (r.stochastic) {
      const math::Philox4 words = math::rounding_words(r.seed, r.step, static_cast<uint32_t>(index), e);
#pragma unroll
      for (int i = 0; i < kILP; ++i) q[i] = stochastic_of<param_t>(p[i], words.v[i]);
    } else {
#pragma unroll
      for (int i = 0; i < kILP; ++i) q[i] = nearest_of<param_t>(p[i]);
    }
    const int valid = valid_of(offset, len);
#pragma unroll
    for (int i = 0; i < kILP; ++i) {
      if (i < valid) param[offset + i] = q[i];
    }
  }
}

}  // namespace cuda
}  // namespace gradus
