#pragma once
// Decoding and encoding one block of low-precision state or params for the
// CPU passes (tensor_work.h's for_opmath_blocks), with the per-element
// formats of math/state_codec.h.
#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>
#include <gradus/optim/state_codec.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "tensor_pointers.h"

namespace gradus {
namespace cpu {
namespace CPU_CAPABILITY {

// Loops over float bits that the compiler vectorizes: a float buffer read
// as its 32-bit words, a bfloat16 one as 16-bit words.
typedef uint32_t __attribute__((may_alias)) FloatBits;
typedef uint16_t __attribute__((may_alias)) HalfBits;

inline float float_of(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// bfloat16 to float: the high half of the float (exact).
inline void bf16_to_float(const void* in, float* out, int64_t n) {
  const auto* from = static_cast<const HalfBits*>(in);
  auto* to = reinterpret_cast<FloatBits*>(out);
  for (int64_t j = 0; j < n; ++j) to[j] = uint32_t(from[j]) << 16;
}

// float to bfloat16, rounded to nearest even, NaN to 0x7fc0: c10::BFloat16's rounding.
inline void float_to_bf16(const float* in, void* out, int64_t n) {
  const auto* from = reinterpret_cast<const FloatBits*>(in);
  auto* to = static_cast<HalfBits*>(out);
  for (int64_t j = 0; j < n; ++j) to[j] = math::bf16_nearest_bits(from[j]);
}

inline uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// n int8 codes of one block, times its scale: math::decode_q8 in
// branch-free bit operations, which the compiler vectorizes (a magnitude m
// from 8 up is the float with bits (m << 20) + (bias << 20); below, m times
// the map's step). A negative scale marks the unsigned map.
inline void q8_to_float(const int8_t* codes, float scale, float* out, int64_t n) {
  const auto* c8 = reinterpret_cast<const uint8_t*>(codes);
  const bool is_unsigned = std::signbit(scale);
  const math::Q8Map& map = is_unsigned ? math::kUnsignedQ8 : math::kSignedQ8;
  const float step = 1.0f / map.small_scale, magnitude_scale = std::fabs(scale);
  const uint32_t magnitude = map.magnitude, bias = map.bias << 20, sign_bit = is_unsigned ? 0u : 0x80u;
  for (int64_t j = 0; j < n; ++j) {
    const uint32_t c = c8[j], mag = c & magnitude;
    const uint32_t normal = (mag << 20) + bias;
    const uint32_t small = bits_of(static_cast<float>(static_cast<int32_t>(mag)) * step);
    const uint32_t is_normal = 0u - static_cast<uint32_t>(mag >= 8);
    out[j] = float_of((normal & is_normal) | (small & ~is_normal) | ((c & sign_bit) << 24)) * magnitude_scale;
  }
}

#if defined(__AVX2__)
// Eight codes of float_to_q8 at once (the compiler leaves that loop scalar).
inline int64_t float_to_q8_avx2(const float* in, float inverse, const math::Q8Map& map, uint8_t* c8, int64_t n) {
  const __m256 scale = _mm256_set1_ps(inverse);
  const __m256i magnitude = _mm256_set1_epi32(0x7fffffff), one = _mm256_set1_epi32(1);
  const __m256i sign_bit = _mm256_set1_epi32(map.magnitude == 0x7fu ? 0x80 : 0);
  const __m256i gather = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,  //
                                          0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256i r = _mm256_castps_si256(_mm256_mul_ps(_mm256_loadu_ps(in + j), scale));
    const __m256i sign = _mm256_and_si256(_mm256_srli_epi32(r, 24), sign_bit);
    const __m256i u = _mm256_and_si256(r, magnitude);
    const __m256 scaled = _mm256_min_ps(_mm256_mul_ps(_mm256_castsi256_ps(u), _mm256_set1_ps(map.small_scale)),
                                        _mm256_set1_ps(16.0f));
    const __m256i small = _mm256_cvttps_epi32(_mm256_add_ps(scaled, _mm256_set1_ps(0.5f)));
    const __m256i carry = _mm256_and_si256(_mm256_srli_epi32(u, 20), one);
    const __m256i large = _mm256_sub_epi32(
        _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(u, _mm256_set1_epi32(0x7ffff)), carry), 20),
        _mm256_set1_epi32(static_cast<int>(map.bias)));
    const __m256i is_small = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(map.small_below)), u);
    const __m256i mag = _mm256_min_epi32(_mm256_blendv_epi8(large, small, is_small), _mm256_set1_epi32(map.top));
    const __m256i packed = _mm256_shuffle_epi8(_mm256_or_si256(mag, sign), gather);
    const uint32_t low = static_cast<uint32_t>(_mm256_extract_epi32(packed, 0));
    const uint32_t high = static_cast<uint32_t>(_mm256_extract_epi32(packed, 4));
    std::memcpy(c8 + j, &low, 4);
    std::memcpy(c8 + j + 4, &high, 4);
  }
  return j;
}
#endif

// n floats of one block as codes of x * inverse on `map`: math::encode_q8
// in branch-free bit operations.
inline void float_to_q8(const float* in, float inverse, const math::Q8Map& map, int8_t* codes, int64_t n) {
  auto* c8 = reinterpret_cast<uint8_t*>(codes);
  int64_t j = 0;
#if defined(__AVX2__)
  j = float_to_q8_avx2(in, inverse, map, c8, n);
#endif
  const uint32_t sign_bit = map.magnitude == 0x7fu ? 0x80u : 0u;
  for (; j < n; ++j) {
    const uint32_t r = bits_of(in[j] * inverse);
    const uint32_t sign = (r >> 24) & sign_bit, u = r & 0x7fffffffu;
    // Clamped, so that the conversion is defined for every lane.
    const int32_t small = static_cast<int32_t>(std::min(float_of(u) * map.small_scale, 16.0f) + 0.5f);
    const int32_t large = static_cast<int32_t>((u + 0x7ffffu + ((u >> 20) & 1u)) >> 20) - static_cast<int32_t>(map.bias);
    int32_t mag = u < map.small_below ? small : large;
    mag = mag > map.top ? map.top : mag;
    c8[j] = static_cast<uint8_t>(sign | static_cast<uint32_t>(mag));
  }
}

// The largest |x| of a block, and whether any x has its sign bit set; the
// absmax is NaN if any element is NaN, so that a NaN reaches the whole
// block instead of vanishing into a code. Non-negative floats order as their
// bits, and NaNs' bits are above every number's.
inline float absmax_of(const float* x, int64_t n, bool* any_negative) {
  const auto* bits = reinterpret_cast<const FloatBits*>(x);
  uint32_t m = 0, signs = 0;
  for (int64_t j = 0; j < n; ++j) {
    const uint32_t a = bits[j] & 0x7fffffffu;
    m = a > m ? a : m;
    signs |= bits[j];
  }
  *any_negative = (signs >> 31) != 0;
  return float_of(m);
}

// Elements [start, start + len) of state `raw` (in `format`, of a tensor of
// `numel` elements) as floats in `out`.
inline void decode_state(const void* raw, kernels::StateFormat format, int64_t numel, int64_t start, int64_t len,
                         float* out) {
  switch (format) {
    case kernels::kBFloat16State:
      bf16_to_float(static_cast<const c10::BFloat16*>(raw) + start, out, len);
      break;
    case kernels::kHalfState: {
      const auto* in = static_cast<const c10::Half*>(raw) + start;
      for (int64_t j = 0; j < len; ++j) out[j] = float(in[j]);
      break;
    }
    case kernels::kQuant8State: {
      const auto* codes = static_cast<const int8_t*>(raw);
      const auto* scales = reinterpret_cast<const float*>(codes + math::quant_blocks(numel) * math::kQuantBlock);
      for (int64_t j = 0; j < len;) {  // block by block (the first may start inside one)
        const int64_t i = start + j, block = i / math::kQuantBlock;
        const int64_t n = std::min(len - j, (block + 1) * math::kQuantBlock - i);
        q8_to_float(codes + i, scales[block], out + j, n);
        j += n;
      }
      break;
    }
    case kernels::kOpmath:
      break;
  }
}

// Writes `in` back as elements [start, start + len) of state `raw`; for int8
// state, `start` is the first element of a block (the update pass aligns
// its ranges), and each block gets its absmax as its scale.
inline void encode_state(const float* in, kernels::StateFormat format, int64_t numel, int64_t start, int64_t len,
                         void* raw) {
  switch (format) {
    case kernels::kBFloat16State:
      float_to_bf16(in, static_cast<c10::BFloat16*>(raw) + start, len);
      break;
    case kernels::kHalfState: {
      auto* out = static_cast<c10::Half*>(raw) + start;
      for (int64_t j = 0; j < len; ++j) out[j] = c10::Half(in[j]);
      break;
    }
    case kernels::kQuant8State: {
      auto* codes = static_cast<int8_t*>(raw);
      auto* scales = reinterpret_cast<float*>(codes + math::quant_blocks(numel) * math::kQuantBlock);
      for (int64_t b = 0; b < len; b += math::kQuantBlock) {
        const int64_t n = std::min<int64_t>(math::kQuantBlock, len - b);
        bool any_negative;
        const float scale = absmax_of(in + b, n, &any_negative);
        // A block of values >= 0 takes the unsigned map, marked by its scale negated.
        scales[(start + b) / math::kQuantBlock] = any_negative ? scale : -scale;
        float_to_q8(in + b, scale > 0 ? 1.0f / scale : 0.0f, any_negative ? math::kSignedQ8 : math::kUnsignedQ8,
                    codes + start + b, n);
      }
      break;
    }
    case kernels::kOpmath:
      break;
  }
}

// Kahan summation into bfloat16 params (optimi's order: comp += u;
// p += comp; comp += old - p), in float with p rounded to nearest even;
// `comp` is the buffer's block, as floats, and takes the new residual.
inline void kahan_bf16(const float* updated, const float* old, float* comp, int64_t n, void* out) {
  auto* to = static_cast<HalfBits*>(out);
  for (int64_t j = 0; j < n; ++j) {
    const uint16_t rounded = math::bf16_nearest_bits(bits_of(math::kahan_sum(updated[j], old[j], comp[j])));
    comp[j] = math::kahan_residual(updated[j], old[j], comp[j], float_of(uint32_t(rounded) << 16));
    to[j] = rounded;
  }
}

// Stochastic rounding to bfloat16 of elements [start, start + len) of
// tensor `index` (math::bf16_stochastic_bits).
inline void stochastic_bf16(const float* in, uint64_t seed, uint32_t step, uint32_t index, int64_t start, int64_t len,
                            void* out) {
  const auto* from = reinterpret_cast<const FloatBits*>(in);
  auto* to = static_cast<HalfBits*>(out);
  int64_t j = 0;
  while (j < len) {
    const math::Philox4 r = math::rounding_words(seed, step, index, (start + j) & ~int64_t(3));
    for (int64_t lane = (start + j) & 3; lane < 4 && j < len; ++lane, ++j) {
      to[j] = math::bf16_stochastic_bits(from[j], r.v[lane]);
    }
  }
}

// x rounded stochastically to T (c10::Half or c10::BFloat16) with the
// uniform u: to one of its two neighbours in T (math::stochastic_choice).
template <typename T>
inline T stochastic_round(float x, float u) {
  const T nearest(x);
  const float n = float(nearest);
  if (n == x || !std::isfinite(n)) return nearest;
  T other;  // the neighbour on x's other side: one step of magnitude (sign and magnitude bits)
  other.x = static_cast<uint16_t>(std::fabs(n) > std::fabs(x) ? nearest.x - 1 : nearest.x + 1);
  const float o = float(other);
  const bool nearest_inward = std::fabs(n) < std::fabs(x);
  const float chosen = math::stochastic_choice(x, nearest_inward ? n : o, nearest_inward ? o : n, u);
  return chosen == n ? nearest : other;
}

}  // namespace CPU_CAPABILITY
}  // namespace cpu
}  // namespace gradus
