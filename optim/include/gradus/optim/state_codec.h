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

// The 8-bit map: a sign bit and a 7-bit magnitude read as a float with a
// 4-bit exponent and a 3-bit mantissa, scaled so that 1.0 is code 120:
//   magnitude m = 8e + f:  e > 0: (1 + f/8) * 2^(e-15);  e = 0: f * 2^-17.
// It is monotonic and keeps 1/16 relative precision from 2^-14 of the
// block's absmax up (linear below that, in steps of 2^-17): Adam's second
// moment spans orders of magnitude within a block, where a linear map would
// round its small values to 0 (docs/low-memory.md compares the two).
GRADUS_MATH_FN float decode_q8(int8_t code) {
  const int c = static_cast<uint8_t>(code);
  const int mag = c & 0x7f, e = mag >> 3, f = mag & 7;
  const float v = e == 0 ? ::ldexpf(float(f), -17) : ::ldexpf(float(8 + f), e - 18);
  return (c & 0x80) ? -v : v;
}

// The code nearest to r, for |r| <= 1: from 2^-14 up, the float's top
// three mantissa bits rounded to nearest even (a carry moves the exponent);
// below, the nearest multiple of 2^-17 (ties up). Values on the map keep
// their code.
GRADUS_MATH_FN int8_t encode_q8(float r) {
  uint32_t u;
  ::memcpy(&u, &r, 4);
  const uint32_t sign = (u >> 24) & 0x80u;
  u &= 0x7fffffffu;
  int mag;
  if (u < 0x38800000u) {  // below 2^-14
    float a;
    ::memcpy(&a, &u, 4);
    mag = static_cast<int>(a * 0x1p17f + 0.5f);
  } else {  // (biased exponent << 3 | 3 mantissa bits), rounded; exponent 112 is e = 0
    mag = static_cast<int>((u + 0x7ffffu + ((u >> 20) & 1u)) >> 20) - (112 << 3);
  }
  if (mag > 120) mag = 120;  // 1.0, and NaN (whose block's scale is NaN)
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

// Where stochastic rounding draws element `index` of tensor `tensor` in
// step `step` of a run seeded `seed`: 24 random bits, a uniform in [0, 1).
// Four consecutive elements share one Philox call.
GRADUS_MATH_FN float rounding_uniform(uint64_t seed, uint32_t step, uint32_t tensor, int64_t index) {
  const uint64_t quad = static_cast<uint64_t>(index) >> 2;
  const Philox4 r = philox4x32(Philox4{{static_cast<uint32_t>(quad), static_cast<uint32_t>(quad >> 32), tensor, step}},
                               static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
  return float(r.v[index & 3] >> 8) * 0x1p-24f;
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

GRADUS_MATH_NAMESPACE_END
