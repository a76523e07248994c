#pragma once
// Decoding and encoding one block of low-precision state or params for the
// CPU passes (tensor_work.h's for_opmath_blocks), with the per-element
// formats of math/state_codec.h.
#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>
#include <gradus/optim/state_codec.h>

#include <array>
#include <cmath>
#include <cstdint>

#include "tensor_pointers.h"

namespace gradus {
namespace cpu {
namespace CPU_CAPABILITY {

// The 256 values of the 8-bit map, for decoding by lookup.
inline const std::array<float, 256>& q8_values() {
  static const std::array<float, 256> values = [] {
    std::array<float, 256> v{};
    for (int c = 0; c < 256; ++c) v[c] = math::decode_q8(static_cast<int8_t>(static_cast<uint8_t>(c)));
    return v;
  }();
  return values;
}

// Elements [start, start + len) of state `raw` (in `format`, of a tensor of
// `numel` elements) as floats in `out`.
inline void decode_state(const void* raw, kernels::StateFormat format, int64_t numel, int64_t start, int64_t len,
                         float* out) {
  switch (format) {
    case kernels::kBFloat16State: {
      const auto* in = static_cast<const c10::BFloat16*>(raw) + start;
      for (int64_t j = 0; j < len; ++j) out[j] = float(in[j]);
      break;
    }
    case kernels::kHalfState: {
      const auto* in = static_cast<const c10::Half*>(raw) + start;
      for (int64_t j = 0; j < len; ++j) out[j] = float(in[j]);
      break;
    }
    case kernels::kQuant8State: {
      const auto* codes = static_cast<const int8_t*>(raw);
      const auto* scales = reinterpret_cast<const float*>(codes + math::quant_blocks(numel) * math::kQuantBlock);
      const auto& values = q8_values();
      for (int64_t j = 0; j < len; ++j) {
        const int64_t i = start + j;
        out[j] = values[static_cast<uint8_t>(codes[i])] * scales[i / math::kQuantBlock];
      }
      break;
    }
    case kernels::kOpmath:
      break;
  }
}

// The largest |x| of a block; NaN if any element is NaN, so that a NaN
// reaches the whole block instead of vanishing into a code.
inline float absmax_of(const float* x, int64_t len) {
  float m = 0;
  for (int64_t j = 0; j < len; ++j) {
    const float a = std::fabs(x[j]);
    m = (a > m || a != a) ? a : m;
    if (m != m) return m;
  }
  return m;
}

// Writes `in` back as elements [start, start + len) of state `raw`; for int8
// state, `start` is the first element of a block (the update pass aligns
// its ranges), and each block gets its absmax as its scale.
inline void encode_state(const float* in, kernels::StateFormat format, int64_t numel, int64_t start, int64_t len,
                         void* raw) {
  switch (format) {
    case kernels::kBFloat16State: {
      auto* out = static_cast<c10::BFloat16*>(raw) + start;
      for (int64_t j = 0; j < len; ++j) out[j] = c10::BFloat16(in[j]);
      break;
    }
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
        const float scale = absmax_of(in + b, n);
        const float inverse = scale > 0 ? 1.0f / scale : 0.0f;
        scales[(start + b) / math::kQuantBlock] = scale;
        for (int64_t j = 0; j < n; ++j) codes[start + b + j] = math::encode_q8(in[b + j] * inverse);
      }
      break;
    }
    case kernels::kOpmath:
      break;
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
