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

#include "cpu/state_blocks.h"
#include "fused_call.h"

namespace gradus {
namespace optim {
namespace {

// The CPU passes' own block codec (cpu/state_blocks.h, its portable copy),
// over a whole tensor: the same codes and scales as a step writes.
namespace blocks = ::gradus::cpu::CPU_CAPABILITY;

at::Tensor int8_to_float(const at::Tensor& state, int64_t numel) {
  const at::Tensor packed = state.cpu().contiguous();
  at::Tensor out = at::empty({numel}, at::kFloat);
  blocks::decode_state(packed.data_ptr<int8_t>(), kernels::kQuant8State, numel, 0, numel, out.data_ptr<float>());
  return out;
}

at::Tensor float_to_int8(const at::Tensor& values) {
  const at::Tensor in = values.detach().to(at::kFloat).cpu().contiguous().reshape({-1});
  const int64_t numel = in.numel();
  at::Tensor packed = at::zeros({math::quant_bytes(numel)}, at::kChar);
  blocks::encode_state(in.data_ptr<float>(), kernels::kQuant8State, numel, 0, numel, packed.data_ptr<int8_t>());
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
