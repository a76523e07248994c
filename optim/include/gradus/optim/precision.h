#pragma once
// Low-memory training, an option of every elementwise optimizer
// (docs/low-memory.md):
//   XOptions(lr).state_precision(gradus::optim::StatePrecision::int8)
//   XOptions(lr).compensation(gradus::optim::Compensation::kahan)
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

namespace gradus {
namespace optim {

// How the optimizer state of a param with at least state_precision_min_numel
// elements is stored (smaller ones keep float32). The math stays in float32:
// each fused pass decodes the state, updates it, and encodes it again.
//   float32:  as LibTorch keeps it (the default; bit for bit as before)
//   bfloat16: 2 bytes per element, rounded to nearest
//   int8:     1 byte per element plus a float32 scale per 256 elements
enum class StatePrecision : int8_t { float32, bfloat16, int8 };

// How a float16 or bfloat16 param takes its float32 update.
//   none:                rounded to nearest, as before
//   kahan:               a buffer in the param's dtype carries each step's
//                        rounding error into the next (one more state tensor)
//   stochastic_rounding: rounded up or down with probability in proportion to
//                        the distance, from random bits keyed by the seed, the
//                        step, the param's place in the step and the element
// float32 and float64 params take no compensation: asking for one is refused.
enum class Compensation : int8_t { none, kahan, stochastic_rounding };

// The elements from which state_precision applies (bitsandbytes' default).
constexpr int64_t kStatePrecisionMinNumel = 4096;

const char* to_string(StatePrecision precision);
const char* to_string(Compensation compensation);
// Throws, naming the text and the choices, for an unknown name.
StatePrecision state_precision_from_string(const std::string& name);
Compensation compensation_from_string(const std::string& name);

// State tensors in each precision, for a param `param` (its shape, dtype
// and device). A float32 state is in the param's math dtype (float, or
// double for double params); bfloat16 has the param's shape; int8 is one
// flat int8 tensor of 260 bytes per 256 elements: the codes, padded to a
// whole block, then each block's float32 scale.
// The precision a state tensor is in; throws for a tensor of none of them.
StatePrecision precision_of(const at::Tensor& state, const at::Tensor& param);
// `state` as values in the param's math dtype and shape.
at::Tensor decode_state(const at::Tensor& state, const at::Tensor& param);
// `values` (the param's shape) encoded in `precision`.
at::Tensor encode_state(const at::Tensor& values, StatePrecision precision, const at::Tensor& param);

}  // namespace optim
}  // namespace gradus
