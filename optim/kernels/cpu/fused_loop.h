#pragma once
// The CPU driver every fused optimizer kernel uses: one pass over each
// parameter's memory, vectorized with at::vec::Vectorized and split over
// threads with at::parallel_for. An "Update" type names the per-element math:
//
// (math/optimizer_updates.h: Scalars, Coeffs<T>, kSlots, apply(p, g, state, coeffs)).
#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <array>

#include "cpu/vectorized_ops.h"

namespace gradus {
namespace cpu {
namespace CPU_CAPABILITY {

// Elements per parallel task; matches ATen's own grain for elementwise ops.
constexpr int64_t kGrainSize = 32768;
// Elements of a half/bfloat16 block converted to float on the stack.
constexpr int64_t kReducedBlock = 1024;

template <typename opmath_t, size_t kSlots>
struct Buffers {
  opmath_t* param;
  opmath_t* grad;
  std::array<opmath_t*, kSlots> state;  // null: an optional state this call does not use
};

// One lane (scalar or vector) of the update at element i.
template <typename Update, typename Lane, typename opmath_t, size_t kSlots>
inline void update_lane(const Buffers<opmath_t, kSlots>& b, int64_t i,
                        const typename Update::template Coeffs<Lane>& coeffs,
                        const opmath_t* grad_scale) {
  using IO = LaneIO<Lane>;
  Lane param = IO::load(b.param + i);
  Lane grad = IO::load(b.grad + i);
  if (grad_scale) {  // AMP: unscale the gradient in place, as PyTorch's fused kernels do
    grad = grad / Lane(*grad_scale);
    IO::store(grad, b.grad + i);
  }
  std::array<Lane, kSlots> state;
  for (size_t k = 0; k < kSlots; ++k) state[k] = b.state[k] ? IO::load(b.state[k] + i) : Lane(0);
  Update::apply(param, grad, state.data(), coeffs);
  IO::store(param, b.param + i);
  for (size_t k = 0; k < kSlots; ++k) {
    if (b.state[k]) IO::store(state[k], b.state[k] + i);
  }
}

// Elements [begin, end) of contiguous opmath buffers: vector body, scalar tail.
template <typename Update, typename opmath_t, size_t kSlots>
void update_range(const Buffers<opmath_t, kSlots>& b, int64_t begin, int64_t end,
                  const typename Update::Scalars& scalars, const opmath_t* grad_scale) {
  using Vec = at::vec::Vectorized<opmath_t>;
  using VectorCoeffs = typename Update::template Coeffs<Vec>;
  using ScalarCoeffs = typename Update::template Coeffs<opmath_t>;
  const VectorCoeffs vector_coeffs(scalars);
  const ScalarCoeffs scalar_coeffs(scalars);
  int64_t i = begin;
  // Two vectors per iteration and the rest scalar, as ATen's vectorized
  // loops go: the same elements take the vector and the scalar rounding.
  const int64_t width = Vec::size();
  for (; i + 2 * width <= end; i += 2 * width) {
    update_lane<Update, Vec>(b, i, vector_coeffs, grad_scale);
    update_lane<Update, Vec>(b, i + width, vector_coeffs, grad_scale);
  }
  for (; i < end; ++i) update_lane<Update, opmath_t>(b, i, scalar_coeffs, grad_scale);
}

template <size_t kSlots, typename opmath_t>
std::array<opmath_t*, kSlots> state_pointers(const std::array<at::Tensor, kSlots>& state,
                                             int64_t offset) {
  std::array<opmath_t*, kSlots> out{};
  for (size_t k = 0; k < kSlots; ++k) {
    out[k] = state[k].defined() ? state[k].template data_ptr<opmath_t>() + offset : nullptr;
  }
  return out;
}

// float and double: the buffers are the tensors themselves.
template <typename Update, typename scalar_t>
void update_full_precision(const at::Tensor& param, const at::Tensor& grad,
                           const std::array<at::Tensor, Update::kSlots>& state,
                           const typename Update::Scalars& scalars, const scalar_t* grad_scale) {
  const Buffers<scalar_t, Update::kSlots> b{param.data_ptr<scalar_t>(), grad.data_ptr<scalar_t>(),
                                            state_pointers<Update::kSlots, scalar_t>(state, 0)};
  at::parallel_for(0, param.numel(), kGrainSize, [&](int64_t begin, int64_t end) {
    update_range<Update>(b, begin, end, scalars, grad_scale);
  });
}

// half and bfloat16: each block of param and grad is widened to float on the
// stack, updated with float math against float state, and narrowed back.
template <typename Update, typename scalar_t>
void update_reduced_precision(const at::Tensor& param, const at::Tensor& grad,
                              const std::array<at::Tensor, Update::kSlots>& state,
                              const typename Update::Scalars& scalars, const float* grad_scale) {
  scalar_t* param_ptr = param.data_ptr<scalar_t>();
  scalar_t* grad_ptr = grad.data_ptr<scalar_t>();
  at::parallel_for(0, param.numel(), kGrainSize, [&](int64_t begin, int64_t end) {
    float param_block[kReducedBlock];
    float grad_block[kReducedBlock];
    for (int64_t start = begin; start < end; start += kReducedBlock) {
      const int64_t len = std::min(kReducedBlock, end - start);
      std::copy(param_ptr + start, param_ptr + start + len, param_block);
      std::copy(grad_ptr + start, grad_ptr + start + len, grad_block);
      const Buffers<float, Update::kSlots> b{param_block, grad_block,
                                             state_pointers<Update::kSlots, float>(state, start)};
      update_range<Update>(b, 0, len, scalars, grad_scale);
      std::copy(param_block, param_block + len, param_ptr + start);
      if (grad_scale) std::copy(grad_block, grad_block + len, grad_ptr + start);
    }
  });
}

// Updates one parameter tensor. param and grad are made contiguous first (a
// non-contiguous parameter is updated through a copy and written back);
// state tensors are created contiguous by the optimizers.
template <typename Update>
void fused_update(const at::Tensor& param, const at::Tensor& grad,
                  const std::array<at::Tensor, Update::kSlots>& state,
                  const typename Update::Scalars& scalars,
                  const c10::optional<at::Tensor>& grad_scale) {
  at::Tensor param_c = param.contiguous();
  at::Tensor grad_c = grad.contiguous();
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, param.scalar_type(), "gradus_fused_update", [&] {
    using opmath_t = at::opmath_type<scalar_t>;
    at::Tensor scale;
    if (grad_scale.has_value()) scale = grad_scale->to(c10::CppTypeToScalarType<opmath_t>::value);
    const opmath_t* scale_ptr = scale.defined() ? scale.data_ptr<opmath_t>() : nullptr;
    if constexpr (std::is_same_v<opmath_t, scalar_t>) {
      update_full_precision<Update, scalar_t>(param_c, grad_c, state, scalars, scale_ptr);
    } else {
      update_reduced_precision<Update, scalar_t>(param_c, grad_c, state, scalars, scale_ptr);
    }
  });
  if (!param_c.is_same(param)) param.copy_(param_c);
  if (grad_scale.has_value() && !grad_c.is_same(grad)) grad.copy_(grad_c);
}

}  // namespace CPU_CAPABILITY
}  // namespace cpu
}  // namespace gradus

namespace gradus {
namespace cpu {
namespace CPU_CAPABILITY {

// Advances a CPU step counter by one and returns the new count.
inline double advance_step(const at::Tensor& step) {
  float* count = step.data_ptr<float>();
  *count += 1;
  return *count;
}

}  // namespace CPU_CAPABILITY
}  // namespace cpu
}  // namespace gradus
