#pragma once
// The low-precision formats of optimizer state and parameters, element by
// element: the 8-bit blockwise map of int8 state, and stochastic rounding
// to bfloat16/float16 with counter-based random bits. No ATen: the CPU
// passes and the CUDA kernels share it, so both give the same bits.
#include <gradus/optim/element_math.h>

#include <cstdint>
#include <cstring>

GRADUS_MATH_NAMESPACE_BEGIN

// int8 state: blocks of kQuantBlock elements, each stored as kQuantBlock
// one-byte codes of x / absmax(block), then (after every block's codes) one
// float32 absmax per block. A tensor's codes are padded to whole blocks.
constexpr int64_t kQuantBlock = 256;
GRADUS_MATH_FN int64_t quant_blocks(int64_t numel) { return (numel + kQuantBlock - 1) / kQuantBlock; }
// Bytes of a packed int8 state of `numel` elements: 260 per 256 elements.
GRADUS_MATH_FN int64_t quant_bytes(int64_t numel) { return quant_blocks(numel) * (kQuantBlock + 4); }

// The 8-bit maps. A block with a negative value takes the signed map: a
// sign bit and a 7-bit magnitude read as a float with a 4-bit exponent and
// a 3-bit mantissa, 1.0 (the absmax) being magnitude 120:
//   m = 8e + f:  e > 0: (1 + f/8) * 2^(e-15);  e = 0: f * 2^-17.
// A block of values >= 0 (a second moment, a sum of squares) takes the
// unsigned map, all 8 bits a magnitude with a 5-bit exponent, 1.0 being 248:
//   m = 8e + f:  e > 0: (1 + f/8) * 2^(e-31);  e = 0: f * 2^-33,
// and marks it by storing its scale negated. Both keep 1/16 relative
// precision from 2^-14 (signed) or 2^-30 (unsigned) of the absmax up, and
// round below that in steps of 2^-17 or 2^-33. Adam's second moment spans
// many orders of magnitude within a block: a linear map, or the signed one,
// rounds its small values to 0, and their steps become m / eps
// (docs/low-memory.md measures it).
struct Q8Map {
  uint32_t bias;         // the float exponent of e = 0, shifted to the code's place: (127 - 15 or 31) << 3
  uint32_t small_below;  // the bits of the float 2^-14 or 2^-30
  float small_scale;     // 2^17 or 2^33: below small_below, m = r * small_scale
  int32_t top;           // the magnitude of 1.0: 120 or 248
  uint32_t magnitude;    // the code's magnitude bits: 0x7f or 0xff
};
// A function as well as constants: CUDA device code may not read a
// namespace-scope constant of class type.
GRADUS_MATH_FN constexpr Q8Map q8_map(bool is_unsigned) {
  return is_unsigned ? Q8Map{96u << 3, 0x30800000u, 0x1p33f, 248, 0xffu}
                     : Q8Map{112u << 3, 0x38800000u, 0x1p17f, 120, 0x7fu};
}
constexpr Q8Map kSignedQ8 = q8_map(false);
constexpr Q8Map kUnsignedQ8 = q8_map(true);

GRADUS_MATH_FN float decode_q8(int8_t code, const Q8Map& map) {
  const uint32_t c = static_cast<uint8_t>(code), mag = c & map.magnitude;
  const float v = mag >= 8 ? ::ldexpf(float(8 + (mag & 7)), int(mag >> 3) + int(map.bias >> 3) - 130)
                           : float(mag) / map.small_scale;
  return (c & ~map.magnitude & 0x80u) ? -v : v;
}

// Element `code` of a block whose stored scale is `scale`: a negative
// scale marks the unsigned map, its magnitude is the block's absmax.
GRADUS_MATH_FN float decode_q8_scaled(int8_t code, float scale) {
  uint32_t bits;
  ::memcpy(&bits, &scale, 4);
  return decode_q8(code, q8_map((bits >> 31) != 0u)) * ::fabsf(scale);
}

// The code nearest to r, for |r| <= 1 (and r >= 0 on the unsigned map):
// from the map's smallest normal up, the float's top three mantissa bits
// rounded to nearest even (a carry moves the exponent); below, the nearest
// step (ties up). Values on the map keep their code.
GRADUS_MATH_FN int8_t encode_q8(float r, const Q8Map& map) {
  uint32_t u;
  ::memcpy(&u, &r, 4);
  const uint32_t sign = map.magnitude == 0x7fu ? (u >> 24) & 0x80u : 0u;
  u &= 0x7fffffffu;
  int mag;
  if (u < map.small_below) {
    float a;
    ::memcpy(&a, &u, 4);
    mag = static_cast<int>(a * map.small_scale + 0.5f);
  } else {  // (biased exponent << 3 | 3 mantissa bits), rounded
    mag = static_cast<int>((u + 0x7ffffu + ((u >> 20) & 1u)) >> 20) - static_cast<int>(map.bias);
  }
  if (mag > map.top) mag = map.top;  // 1.0, and NaN (whose block's scale is NaN)
  return static_cast<int8_t>(static_cast<uint8_t>(sign | static_cast<uint32_t>(mag)));
}

// Philox4x32-10 (Salmon et al., 2011): four 32-bit random words for a
// 128-bit counter and a 64-bit key, a pure function of both.
struct Philox4 {
  uint32_t v[4];
};
GRADUS_MATH_FN uint32_t mulhilo(uint32_t a, uint32_t b, uint32_t* hi) {
  const uint64_t p = uint64_t(a) * uint64_t(b);
  *hi = static_cast<uint32_t>(p >> 32);
  return static_cast<uint32_t>(p);
}
GRADUS_MATH_FN Philox4 philox4x32(Philox4 c, uint32_t k0, uint32_t k1) {
  for (int round = 0; round < 10; ++round) {
    uint32_t hi0, hi1;
    const uint32_t lo0 = mulhilo(0xD2511F53u, c.v[0], &hi0);
    const uint32_t lo1 = mulhilo(0xCD9E8D57u, c.v[2], &hi1);
    c = Philox4{{hi1 ^ c.v[1] ^ k0, lo1, hi0 ^ c.v[3] ^ k1, lo0}};
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return c;
}

// The random words of stochastic rounding for the four elements from
// `index` (a multiple of 4) of tensor `tensor` (its place in the call) in
// step `step` of a run seeded `seed`: element index + j takes word j.
GRADUS_MATH_FN Philox4 rounding_words(uint64_t seed, uint32_t step, uint32_t tensor, int64_t index) {
  const uint64_t quad = static_cast<uint64_t>(index) >> 2;
  return philox4x32(Philox4{{static_cast<uint32_t>(quad), static_cast<uint32_t>(quad >> 32), tensor, step}},
                    static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
}

// A random word as a uniform in [0, 1): its top 24 bits.
GRADUS_MATH_FN float uniform_of(uint32_t word) { return float(word >> 8) * 0x1p-24f; }

// The bfloat16 nearest to the float with bits u (ties to even), NaN as
// 0x7fc0: c10::BFloat16's rounding.
GRADUS_MATH_FN uint16_t bf16_nearest_bits(uint32_t u) {
  const uint16_t rounded = static_cast<uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
  return (u & 0x7fffffffu) > 0x7f800000u ? uint16_t(0x7fc0) : rounded;
}

// Stochastic rounding of the float with bits u to bfloat16 with the random
// word `random`: 16 random bits added below the kept half, then cut off, so
// that u rounds away from zero with probability (its low half) / 2^16.
// Infinities and NaN round to nearest.
GRADUS_MATH_FN uint16_t bf16_stochastic_bits(uint32_t u, uint32_t random) {
  const bool special = (u & 0x7f800000u) == 0x7f800000u;
  const uint16_t nearest = (u & 0x7fffffffu) > 0x7f800000u ? uint16_t(0x7fc0) : uint16_t(u >> 16);
  return special ? nearest : static_cast<uint16_t>((u + (random >> 16)) >> 16);
}

// optimi's Kahan step for a 16-bit float param, in float: the update
// (updated - old) plus the carried error `comp` is added to old; `rounded`
// is the sum rounded to the param's type, and `comp` becomes what that
// rounding lost. Round(sum) is the caller's: it knows the type.
GRADUS_MATH_FN float kahan_sum(float updated, float old, float comp) { return old + (comp + (updated - old)); }
GRADUS_MATH_FN float kahan_residual(float updated, float old, float comp, float rounded) {
  return (comp + (updated - old)) - (rounded - old);
}

// Stochastic rounding of x between its two neighbours in a 16-bit float
// type (found by the caller, as floats): away from zero with probability
// (x - toward_zero) / (away - toward_zero), for a uniform u in [0, 1), so
// that the mean of many roundings is x.
GRADUS_MATH_FN float stochastic_choice(float x, float toward_zero, float away, float u) {
  if (x == toward_zero || !(away == away)) return toward_zero;
  const float p = (x - toward_zero) / (away - toward_zero);
  return u < p ? away : toward_zero;
}

// Stochastic rounding of x to float16 with the random word `word`: the
// bits `nearest(x)` gives (float16 rounded to nearest even) or their
// neighbour on x's other side, by stochastic_choice; `widen(bits)` is a
// float16's value. x itself, infinities and NaN round to nearest.
template <class Nearest, class Widen>
GRADUS_MATH_FN uint16_t half_stochastic_bits(float x, uint32_t word, Nearest nearest, Widen widen) {
  const uint16_t near_bits = nearest(x);
  const float n = widen(near_bits);
  if (n == x || !(::fabsf(n) <= 0x1.fffffep127f)) return near_bits;  // the second: n infinite or NaN
  // One step of magnitude (sign and magnitude bits) toward x.
  const uint16_t other_bits = static_cast<uint16_t>(::fabsf(n) > ::fabsf(x) ? near_bits - 1 : near_bits + 1);
  const float o = widen(other_bits);
  const bool nearest_inward = ::fabsf(n) < ::fabsf(x);
  const float chosen = stochastic_choice(x, nearest_inward ? n : o, nearest_inward ? o : n, uniform_of(word));
  return chosen == n ? near_bits : other_bits;
}

GRADUS_MATH_NAMESPACE_END
