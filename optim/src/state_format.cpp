// Whole state tensors in each StatePrecision: new state, the state a file
// brings, and conversions between them (the kernels code and decode in
// their passes, with the same per-element map, math/state_codec.h).
#include <gradus/optim/fused_optimizer.h>
#include <gradus/optim/precision.h>
#include <gradus/optim/state_codec.h>

#include <ATen/ops/empty.h>
#include <ATen/ops/zeros.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "fused_call.h"

namespace gradus {
namespace optim {
namespace {

at::Tensor int8_to_float(const at::Tensor& state, int64_t numel) {
  const at::Tensor packed = state.cpu().contiguous();
  const auto* codes = packed.data_ptr<int8_t>();
  const auto* scales = reinterpret_cast<const float*>(codes + math::quant_blocks(numel) * math::kQuantBlock);
  at::Tensor out = at::empty({numel}, at::kFloat);
  float* values = out.data_ptr<float>();
  for (int64_t i = 0; i < numel; ++i) {
    const float scale = scales[i / math::kQuantBlock];  // negated: the unsigned map
    values[i] = math::decode_q8(codes[i], std::signbit(scale) ? math::kUnsignedQ8 : math::kSignedQ8) * std::fabs(scale);
  }
  return out;
}

// As the kernels encode a block (cpu/state_blocks.h): codes of x / absmax.
at::Tensor float_to_int8(const at::Tensor& values) {
  const at::Tensor in = values.detach().to(at::kFloat).cpu().contiguous().reshape({-1});
  const int64_t numel = in.numel(), blocks = math::quant_blocks(numel);
  at::Tensor packed = at::zeros({math::quant_bytes(numel)}, at::kChar);
  auto* codes = packed.data_ptr<int8_t>();
  auto* scales = reinterpret_cast<float*>(codes + blocks * math::kQuantBlock);
  const float* x = in.data_ptr<float>();
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t begin = b * math::kQuantBlock, end = std::min(numel, begin + math::kQuantBlock);
    float absmax = 0;
    bool any_negative = false;
    for (int64_t i = begin; i < end; ++i) {
      const float a = std::fabs(x[i]);
      absmax = (a > absmax || a != a) ? a : absmax;
      any_negative = any_negative || std::signbit(x[i]);
    }
    const float inverse = absmax > 0 ? 1.0f / absmax : 0.0f;
    scales[b] = any_negative ? absmax : -absmax;
    const math::Q8Map& map = any_negative ? math::kSignedQ8 : math::kUnsignedQ8;
    for (int64_t i = begin; i < end; ++i) codes[i] = math::encode_q8(x[i] * inverse, map);
  }
  return packed;
}

}  // namespace

StatePrecision precision_of(const at::Tensor& state, const at::Tensor& param) {
  const at::ScalarType dtype = state.scalar_type();
  if (dtype == kernels::state_dtype_for(param.scalar_type())) return StatePrecision::float32;
  if (dtype == at::kBFloat16) return StatePrecision::bfloat16;
  if (dtype == at::kChar) return StatePrecision::int8;
  TORCH_CHECK(false, "gradus: a ", dtype, " state tensor is in no state precision of a ", param.scalar_type(),
              " param");
}

at::Tensor decode_state(const at::Tensor& state, const at::Tensor& param) {
  const at::ScalarType math_dtype = kernels::state_dtype_for(param.scalar_type());
  if (precision_of(state, param) != StatePrecision::int8) return state.to(math_dtype).reshape(param.sizes());
  TORCH_CHECK(state.dim() == 1 && state.numel() == math::quant_bytes(param.numel()),
              "gradus: an int8 state of ", param.numel(), " elements has ", math::quant_bytes(param.numel()),
              " bytes, not ", state.numel());
  return int8_to_float(state, param.numel()).to(state.device()).to(math_dtype).reshape(param.sizes());
}

at::Tensor encode_state(const at::Tensor& values, StatePrecision precision, const at::Tensor& param) {
  switch (precision) {
    case StatePrecision::float32:
      return values.to(kernels::state_dtype_for(param.scalar_type())).contiguous();
    case StatePrecision::bfloat16:
      return values.to(at::kBFloat16).contiguous();
    case StatePrecision::int8:
      return float_to_int8(values).to(param.device());
  }
  return values;
}

void FusedOptimizer::check_state_precision(at::Tensor& t, const at::Tensor& param, const char* entry,
                                           const std::string& which, StatePrecision want) const {
  const std::string what = name() + ": the state file's " + entry + " entry of " + which;
  const at::ScalarType dtype = t.scalar_type(), math_dtype = kernels::state_dtype_for(param.scalar_type());
  const bool low = dtype == at::kBFloat16 || dtype == at::kChar;
  TORCH_CHECK(dtype == math_dtype || (low && math_dtype == at::kFloat), what, " is ", dtype, " ", t.sizes(),
              ", but this param needs ", math_dtype, " ", param.sizes(),
              (math_dtype == at::kFloat ? " (or bfloat16 or int8 state)" : ""));
  const StatePrecision found = precision_of(t, param);
  if (found == StatePrecision::int8) {
    const int64_t blocks = math::quant_blocks(param.numel()), bytes = math::quant_bytes(param.numel());
    TORCH_CHECK(t.dim() == 1 && t.numel() == bytes, what, " is int8 ", t.sizes(), ", but the int8 state of a param of ",
                param.numel(), " elements is [", bytes, "]");
    const at::Tensor scales = t.cpu().contiguous().narrow(0, blocks * math::kQuantBlock, blocks * 4).view(at::kFloat);
    const float* s = scales.data_ptr<float>();
    for (int64_t b = 0; b < blocks; ++b) {
      TORCH_CHECK(std::isfinite(s[b]), what, ": the scale of block ", b, " is ", s[b], " (a finite number)");
    }
  } else {
    TORCH_CHECK(t.sizes() == param.sizes(), what, " is ", dtype, " ", t.sizes(), ", but this param needs ", dtype,
                " ", param.sizes());
  }
  if (found == want) return;
  TORCH_CHECK(converting_state_, what, " is in ", to_string(found), " state, but this param keeps ", to_string(want),
              " state (load_converting() converts it)");
  t = encode_state(decode_state(t, param), want, param);
}

}  // namespace optim
}  // namespace gradus
