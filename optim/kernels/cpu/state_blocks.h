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

#if defined(__AVX2__) || defined(__F16C__) || defined(__AVX512BW__)
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

// float16 to float and back, rounded to nearest even as c10::Half rounds
// (F16C: eight at a time).
inline void half_to_float(const void* in, float* out, int64_t n) {
  const auto* from = static_cast<const c10::Half*>(in);
  int64_t j = 0;
#if defined(__F16C__)
  for (; j + 8 <= n; j += 8) {
    _mm256_storeu_ps(out + j, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(from + j))));
  }
#endif
  for (; j < n; ++j) out[j] = float(from[j]);
}

inline void float_to_half(const float* in, void* out, int64_t n) {
  auto* to = static_cast<c10::Half*>(out);
  int64_t j = 0;
#if defined(__F16C__)
  for (; j + 8 <= n; j += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(to + j),
                     _mm256_cvtps_ph(_mm256_loadu_ps(in + j), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
#endif
  for (; j < n; ++j) to[j] = c10::Half(in[j]);
}

inline uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// n int8 codes of one block, times its scale: math::decode_q8 in
// branch-free bit operations (a magnitude m from 8 up is the float with
// bits (m << 20) + (bias << 20); below, m times the map's step). A
// negative scale marks the unsigned map.
inline void q8_to_float(const int8_t* codes, float scale, float* out, int64_t n) {
  const auto* c8 = reinterpret_cast<const uint8_t*>(codes);
  const bool is_unsigned = std::signbit(scale);
  const math::Q8Map& map = is_unsigned ? math::kUnsignedQ8 : math::kSignedQ8;
  const float step = 1.0f / map.small_scale, magnitude_scale = std::fabs(scale);
  const uint32_t magnitude = map.magnitude, bias = map.bias << 20, sign_bit = is_unsigned ? 0u : 0x80u;
  int64_t j = 0;
#if defined(__AVX512BW__)
  // The same, sixteen at a time (state_codecs_avx512.cpp).
  const __m512i magnitude16 = _mm512_set1_epi32(static_cast<int>(magnitude)), seven16 = _mm512_set1_epi32(7);
  const __m512i bias16 = _mm512_set1_epi32(static_cast<int>(bias)), sign16 = _mm512_set1_epi32(static_cast<int>(sign_bit));
  const __m512 step16 = _mm512_set1_ps(step), scale16 = _mm512_set1_ps(magnitude_scale);
  for (; j + 16 <= n; j += 16) {
    const __m512i c = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(c8 + j)));
    const __m512i mag = _mm512_and_si512(c, magnitude16);
    const __m512i normal = _mm512_add_epi32(_mm512_slli_epi32(mag, 20), bias16);
    const __m512i small = _mm512_castps_si512(_mm512_mul_ps(_mm512_cvtepi32_ps(mag), step16));
    const __m512i value = _mm512_mask_blend_epi32(_mm512_cmpgt_epi32_mask(mag, seven16), small, normal);
    const __m512i sign = _mm512_slli_epi32(_mm512_and_si512(c, sign16), 24);
    _mm512_storeu_ps(out + j, _mm512_mul_ps(_mm512_castsi512_ps(_mm512_or_si512(value, sign)), scale16));
  }
#endif
#if defined(__AVX2__)
  // By hand, eight at a time: the compiler's own loop of 32 spilled
  // registers (it took about a fifth of an int8-state Adam step).
  const __m256i magnitude8 = _mm256_set1_epi32(static_cast<int>(magnitude)), seven = _mm256_set1_epi32(7);
  const __m256i bias8 = _mm256_set1_epi32(static_cast<int>(bias)), sign8 = _mm256_set1_epi32(static_cast<int>(sign_bit));
  const __m256 step8 = _mm256_set1_ps(step), scale8 = _mm256_set1_ps(magnitude_scale);
  for (; j + 8 <= n; j += 8) {
    const __m256i c = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(c8 + j)));
    const __m256i mag = _mm256_and_si256(c, magnitude8);
    const __m256i normal = _mm256_add_epi32(_mm256_slli_epi32(mag, 20), bias8);
    const __m256i small = _mm256_castps_si256(_mm256_mul_ps(_mm256_cvtepi32_ps(mag), step8));
    const __m256i value = _mm256_blendv_epi8(small, normal, _mm256_cmpgt_epi32(mag, seven));
    const __m256i sign = _mm256_slli_epi32(_mm256_and_si256(c, sign8), 24);
    _mm256_storeu_ps(out + j, _mm256_mul_ps(_mm256_castsi256_ps(_mm256_or_si256(value, sign)), scale8));
  }
#endif
  for (; j < n; ++j) {
    const uint32_t c = c8[j], mag = c & magnitude;
    const uint32_t normal = (mag << 20) + bias;
    const uint32_t small = bits_of(static_cast<float>(static_cast<int32_t>(mag)) * step);
    const uint32_t is_normal = 0u - static_cast<uint32_t>(mag >= 8);
    out[j] = float_of((normal & is_normal) | (small & ~is_normal) | ((c & sign_bit) << 24)) * magnitude_scale;
  }
}

#if defined(__AVX2__)
// The codes of eight floats times `scale` on a map (float_to_q8), as 32-bit lanes.
struct Q8Encoder {
  __m256 scale, small_scale, sixteen, half;
  __m256i magnitude, one, sign_bit, rounding, bias, small_below, top;
  Q8Encoder(float inverse, const math::Q8Map& map)
      : scale(_mm256_set1_ps(inverse)),
        small_scale(_mm256_set1_ps(map.small_scale)),
        sixteen(_mm256_set1_ps(16.0f)),
        half(_mm256_set1_ps(0.5f)),
        magnitude(_mm256_set1_epi32(0x7fffffff)),
        one(_mm256_set1_epi32(1)),
        sign_bit(_mm256_set1_epi32(map.magnitude == 0x7fu ? 0x80 : 0)),
        rounding(_mm256_set1_epi32(0x7ffff)),
        bias(_mm256_set1_epi32(static_cast<int>(map.bias))),
        small_below(_mm256_set1_epi32(static_cast<int>(map.small_below))),
        top(_mm256_set1_epi32(map.top)) {}

  __m256i codes(const float* in) const {
    const __m256i r = _mm256_castps_si256(_mm256_mul_ps(_mm256_loadu_ps(in), scale));
    const __m256i sign = _mm256_and_si256(_mm256_srli_epi32(r, 24), sign_bit);
    const __m256i u = _mm256_and_si256(r, magnitude);
    const __m256 scaled = _mm256_min_ps(_mm256_mul_ps(_mm256_castsi256_ps(u), small_scale), sixteen);
    const __m256i small = _mm256_cvttps_epi32(_mm256_add_ps(scaled, half));
    const __m256i carry = _mm256_and_si256(_mm256_srli_epi32(u, 20), one);
    const __m256i large =
        _mm256_sub_epi32(_mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(u, rounding), carry), 20), bias);
    const __m256i is_small = _mm256_cmpgt_epi32(small_below, u);
    const __m256i mag = _mm256_min_epi32(_mm256_blendv_epi8(large, small, is_small), top);
    return _mm256_or_si256(mag, sign);
  }
};

// float_to_q8, 32 codes at a time, then 8 (the compiler leaves that loop
// scalar). The constants live in registers: a store through the uint8_t
// codes could alias `map`, so the compiler would reload its fields.
inline int64_t float_to_q8_avx2(const float* in, float inverse, const math::Q8Map& map, uint8_t* c8, int64_t n) {
  const Q8Encoder encoder(inverse, map);
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  int64_t j = 0;
  for (; j + 32 <= n; j += 32) {  // codes are 0..255: the packs saturate nothing
    const __m256i ab = _mm256_packus_epi32(encoder.codes(in + j), encoder.codes(in + j + 8));
    const __m256i cd = _mm256_packus_epi32(encoder.codes(in + j + 16), encoder.codes(in + j + 24));
    const __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packus_epi16(ab, cd), order);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c8 + j), bytes);
  }
  for (; j + 8 <= n; j += 8) {
    const __m256i c = encoder.codes(in + j);
    const __m128i words = _mm_packus_epi32(_mm256_castsi256_si128(c), _mm256_extracti128_si256(c, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(c8 + j), _mm_packus_epi16(words, words));
  }
  return j;
}
#endif

#if defined(__AVX512BW__)
// Q8Encoder's operations on sixteen floats, their codes stored as bytes;
// a mask register takes the place of the blend's compare.
inline int64_t float_to_q8_avx512(const float* in, float inverse, const math::Q8Map& map, uint8_t* c8, int64_t n) {
  const __m512 scale = _mm512_set1_ps(inverse), small_scale = _mm512_set1_ps(map.small_scale);
  const __m512 sixteen = _mm512_set1_ps(16.0f), half = _mm512_set1_ps(0.5f);
  const __m512i magnitude = _mm512_set1_epi32(0x7fffffff), one = _mm512_set1_epi32(1);
  const __m512i sign_bit = _mm512_set1_epi32(map.magnitude == 0x7fu ? 0x80 : 0);
  const __m512i rounding = _mm512_set1_epi32(0x7ffff), bias = _mm512_set1_epi32(static_cast<int>(map.bias));
  const __m512i small_below = _mm512_set1_epi32(static_cast<int>(map.small_below)), top = _mm512_set1_epi32(map.top);
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    const __m512i r = _mm512_castps_si512(_mm512_mul_ps(_mm512_loadu_ps(in + j), scale));
    const __m512i sign = _mm512_and_si512(_mm512_srli_epi32(r, 24), sign_bit);
    const __m512i u = _mm512_and_si512(r, magnitude);
    const __m512 scaled = _mm512_min_ps(_mm512_mul_ps(_mm512_castsi512_ps(u), small_scale), sixteen);
    const __m512i small = _mm512_cvttps_epi32(_mm512_add_ps(scaled, half));
    const __m512i carry = _mm512_and_si512(_mm512_srli_epi32(u, 20), one);
    const __m512i large =
        _mm512_sub_epi32(_mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(u, rounding), carry), 20), bias);
    const __mmask16 is_small = _mm512_cmpgt_epi32_mask(small_below, u);
    const __m512i mag = _mm512_min_epi32(_mm512_mask_blend_epi32(is_small, large, small), top);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(c8 + j), _mm512_cvtepi32_epi8(_mm512_or_si512(mag, sign)));
  }
  return j;
}
#endif

// n floats of one block as codes of x * inverse on `map`: math::encode_q8
// in branch-free bit operations.
inline void float_to_q8(const float* in, float inverse, const math::Q8Map& map, int8_t* codes, int64_t n) {
  auto* c8 = reinterpret_cast<uint8_t*>(codes);
  int64_t j = 0;
#if defined(__AVX512BW__)
  j = float_to_q8_avx512(in, inverse, map, c8, n);
#endif
#if defined(__AVX2__)
  j += float_to_q8_avx2(in + j, inverse, map, c8 + j, n - j);
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
  int64_t j = 0;
#if defined(__AVX512BW__)
  // Two accumulators each, so that no maximum waits for the one before.
  const __m512i magnitude = _mm512_set1_epi32(0x7fffffff);
  __m512i max0 = _mm512_setzero_si512(), max1 = max0, signs0 = max0, signs1 = max0;
  for (; j + 32 <= n; j += 32) {
    const __m512i a = _mm512_loadu_si512(x + j), b = _mm512_loadu_si512(x + j + 16);
    max0 = _mm512_max_epu32(max0, _mm512_and_si512(a, magnitude));
    max1 = _mm512_max_epu32(max1, _mm512_and_si512(b, magnitude));
    signs0 = _mm512_or_si512(signs0, a);
    signs1 = _mm512_or_si512(signs1, b);
  }
  m = _mm512_reduce_max_epu32(_mm512_max_epu32(max0, max1));
  signs = static_cast<uint32_t>(_mm512_reduce_or_epi32(_mm512_or_si512(signs0, signs1)));
#endif
  for (; j < n; ++j) {
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
    case kernels::kHalfState:
      half_to_float(static_cast<const c10::Half*>(raw) + start, out, len);
      break;
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
    case kernels::kHalfState:
      float_to_half(in, static_cast<c10::Half*>(raw) + start, len);
      break;
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

#if defined(__AVX2__)
// Eight 32 x 32-bit products at once: their low and high halves, lane by lane.
inline __m256i mulhilo8(__m256i a, uint32_t m, __m256i* hi) {
  const __m256i factor = _mm256_set1_epi32(static_cast<int>(m));
  const __m256i even = _mm256_mul_epu32(a, factor);                        // lanes 0, 2, 4, 6
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), factor);  // lanes 1, 3, 5, 7
  *hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xaa);
  return _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xaa);
}

// math::bf16_stochastic_bits of eight floats' bits with eight words.
inline __m256i stochastic_bits8(__m256i u, __m256i word) {
  const __m256i special = _mm256_cmpeq_epi32(_mm256_and_si256(u, _mm256_set1_epi32(0x7f800000)),
                                             _mm256_set1_epi32(0x7f800000));
  const __m256i is_nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, _mm256_set1_epi32(0x7fffffff)),
                                            _mm256_set1_epi32(0x7f800000));
  const __m256i nearest = _mm256_blendv_epi8(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(0x7fc0), is_nan);
  const __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(u, _mm256_srli_epi32(word, 16)), 16);
  return _mm256_blendv_epi8(rounded, nearest, special);
}

// math::rounding_words for the 32 elements from `first` (a multiple of 4),
// in their order (words[k] for elements 8k to 8k + 7): eight Philox4x32-10
// calls side by side, one per 32-bit lane, then transposed.
inline void rounding_words_32(uint64_t seed, uint32_t step, uint32_t index, int64_t first, __m256i (&words)[4]) {
  const uint64_t quad = static_cast<uint64_t>(first) >> 2;
  uint32_t low[8], high[8];
  for (int q = 0; q < 8; ++q) {
    low[q] = static_cast<uint32_t>(quad + q);
    high[q] = static_cast<uint32_t>((quad + q) >> 32);
  }
  __m256i c0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(low));
  __m256i c1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(high));
  __m256i c2 = _mm256_set1_epi32(static_cast<int>(index)), c3 = _mm256_set1_epi32(static_cast<int>(step));
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {  // math::philox4x32's rounds
    __m256i hi0, hi1;
    const __m256i lo0 = mulhilo8(c0, 0xD2511F53u, &hi0), lo1 = mulhilo8(c2, 0xCD9E8D57u, &hi1);
    c0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), _mm256_set1_epi32(static_cast<int>(k0)));
    c2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), _mm256_set1_epi32(static_cast<int>(k1)));
    c1 = lo1;
    c3 = lo0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  // Quad q's words c0[q] c1[q] c2[q] c3[q] are elements 4q to 4q + 3.
  const __m256i t0 = _mm256_unpacklo_epi32(c0, c1), t1 = _mm256_unpackhi_epi32(c0, c1);
  const __m256i t2 = _mm256_unpacklo_epi32(c2, c3), t3 = _mm256_unpackhi_epi32(c2, c3);
  const __m256i q04 = _mm256_unpacklo_epi64(t0, t2), q15 = _mm256_unpackhi_epi64(t0, t2);
  const __m256i q26 = _mm256_unpacklo_epi64(t1, t3), q37 = _mm256_unpackhi_epi64(t1, t3);
  words[0] = _mm256_permute2x128_si256(q04, q15, 0x20);
  words[1] = _mm256_permute2x128_si256(q26, q37, 0x20);
  words[2] = _mm256_permute2x128_si256(q04, q15, 0x31);
  words[3] = _mm256_permute2x128_si256(q26, q37, 0x31);
}

// Stochastic rounding to bfloat16 of 32 elements from `first` (a multiple of 4).
inline void stochastic_bf16_32(const float* in, uint64_t seed, uint32_t step, uint32_t index, int64_t first,
                               uint16_t* out) {
  __m256i words[4];
  rounding_words_32(seed, step, index, first, words);
  for (int half = 0; half < 2; ++half) {
    const __m256i a = stochastic_bits8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + 16 * half)), words[2 * half]);
    const __m256i b = stochastic_bits8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + 16 * half + 8)),
                                       words[2 * half + 1]);
    // Both hold values below 2^16: packing saturates nothing; the permute undoes its lane order.
    const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(a, b), 0xd8);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 16 * half), packed);
  }
}

#if defined(__F16C__)
// math::half_stochastic_bits of eight floats with eight words, lane by
// lane the same operations: the nearest float16 n and its neighbour o on
// x's other side, then math::stochastic_choice between them.
inline __m128i stochastic_half8(__m256 x, __m256i word) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m128i nearest = _mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256 n = _mm256_cvtph_ps(nearest), abs_n = _mm256_andnot_ps(sign, n), abs_x = _mm256_andnot_ps(sign, x);
  const __m256i n_bits = _mm256_cvtepu16_epi32(nearest);
  // One step of magnitude toward x: -1 where |n| > |x| (the mask is all ones), else +1.
  const __m256i outward = _mm256_castps_si256(_mm256_cmp_ps(abs_n, abs_x, _CMP_GT_OQ));
  const __m256i other_bits = _mm256_add_epi32(n_bits, _mm256_or_si256(outward, _mm256_set1_epi32(1)));
  const __m128i other = _mm_packus_epi32(_mm256_castsi256_si128(other_bits), _mm256_extracti128_si256(other_bits, 1));
  const __m256 o = _mm256_cvtph_ps(other);
  const __m256 inward = _mm256_cmp_ps(abs_n, abs_x, _CMP_LT_OQ);
  const __m256 toward_zero = _mm256_blendv_ps(o, n, inward), away = _mm256_blendv_ps(n, o, inward);
  const __m256 p = _mm256_div_ps(_mm256_sub_ps(x, toward_zero), _mm256_sub_ps(away, toward_zero));
  const __m256 u = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(word, 8)), _mm256_set1_ps(0x1p-24f));
  const __m256 stays = _mm256_or_ps(_mm256_cmp_ps(x, toward_zero, _CMP_EQ_OQ), _mm256_cmp_ps(away, away, _CMP_UNORD_Q));
  const __m256 chosen = _mm256_blendv_ps(toward_zero, away, _mm256_andnot_ps(stays, _mm256_cmp_ps(u, p, _CMP_LT_OQ)));
  // x itself, and a nearest that is infinite or NaN, keep the nearest.
  const __m256i n_special = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_castps_si256(n), _mm256_set1_epi32(0x7f800000)),
                                               _mm256_set1_epi32(0x7f800000));
  const __m256i keep = _mm256_or_si256(_mm256_or_si256(_mm256_castps_si256(_mm256_cmp_ps(n, x, _CMP_EQ_OQ)), n_special),
                                       _mm256_castps_si256(_mm256_cmp_ps(chosen, n, _CMP_EQ_OQ)));
  const __m256i result = _mm256_blendv_epi8(other_bits, n_bits, keep);
  return _mm_packus_epi32(_mm256_castsi256_si128(result), _mm256_extracti128_si256(result, 1));
}

// Stochastic rounding to float16 of 32 elements from `first` (a multiple of 4).
inline void stochastic_half_32(const float* in, uint64_t seed, uint32_t step, uint32_t index, int64_t first,
                               c10::Half* out) {
  __m256i words[4];
  rounding_words_32(seed, step, index, first, words);
  for (int k = 0; k < 4; ++k) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 8 * k), stochastic_half8(_mm256_loadu_ps(in + 8 * k), words[k]));
  }
}
#endif
#endif

// Stochastic rounding of elements [start, start + len) of tensor `index`:
// element(j, word) rounds in[j] with its word of math::rounding_words, a
// quad at a time at the ends; batch(j) rounds the 32 elements from j (whose
// first element is a multiple of 4) at once, where kBatches.
template <bool kBatches, class Element, class Batch>
inline void round_by_quads(uint64_t seed, uint32_t step, uint32_t index, int64_t start, int64_t len,
                           Element&& element, Batch&& batch) {
  auto quad = [&](int64_t& j, int64_t end) {
    const math::Philox4 r = math::rounding_words(seed, step, index, (start + j) & ~int64_t(3));
    for (int64_t lane = (start + j) & 3; lane < 4 && j < end; ++lane, ++j) element(j, r.v[lane]);
  };
  int64_t j = 0;
  const int64_t aligned = std::min(len, (4 - (start & 3)) & 3);
  while (j < aligned) quad(j, aligned);
  if constexpr (kBatches) {
    for (; j + 32 <= len; j += 32) batch(j);
  }
  while (j < len) quad(j, len);
}

#if defined(__AVX2__)
constexpr bool kBatchBFloat16 = true;
#else
constexpr bool kBatchBFloat16 = false;
#endif
#if defined(__AVX2__) && defined(__F16C__)
constexpr bool kBatchHalf = true;
#else
constexpr bool kBatchHalf = false;
#endif

// Stochastic rounding to bfloat16 (math::bf16_stochastic_bits) and to
// float16 (math::half_stochastic_bits) of elements [start, start + len) of
// tensor `index`.
inline void stochastic_round(const float* in, uint64_t seed, uint32_t step, uint32_t index, int64_t start,
                             int64_t len, c10::BFloat16* out) {
  const auto* from = reinterpret_cast<const FloatBits*>(in);
  auto* to = reinterpret_cast<HalfBits*>(out);
  round_by_quads<kBatchBFloat16>(
      seed, step, index, start, len, [&](int64_t j, uint32_t word) { to[j] = math::bf16_stochastic_bits(from[j], word); },
      [&](int64_t j) {
#if defined(__AVX2__)
        stochastic_bf16_32(in + j, seed, step, index, start + j, to + j);
#endif
        (void)j;
      });
}

inline void stochastic_round(const float* in, uint64_t seed, uint32_t step, uint32_t index, int64_t start,
                             int64_t len, c10::Half* out) {
  auto nearest = [](float x) { return c10::Half(x).x; };
  auto widen = [](uint16_t bits) { return float(c10::Half(bits, c10::Half::from_bits())); };
  round_by_quads<kBatchHalf>(
      seed, step, index, start, len,
      [&](int64_t j, uint32_t word) { out[j].x = math::half_stochastic_bits(in[j], word, nearest, widen); },
      [&](int64_t j) {
#if defined(__AVX2__) && defined(__F16C__)
        stochastic_half_32(in + j, seed, step, index, start + j, out + j);
#endif
        (void)j;
      });
}

// The 16-bit float types as floats and back (to nearest even), by type.
inline void widen(const c10::BFloat16* in, float* out, int64_t n) { bf16_to_float(in, out, n); }
inline void widen(const c10::Half* in, float* out, int64_t n) { half_to_float(in, out, n); }
inline void narrow(const float* in, c10::BFloat16* out, int64_t n) { float_to_bf16(in, out, n); }
inline void narrow(const float* in, c10::Half* out, int64_t n) { float_to_half(in, out, n); }

}  // namespace CPU_CAPABILITY
}  // namespace cpu
}  // namespace gradus
