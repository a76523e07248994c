#pragma once
// The CPU loop every gradus operator uses: one parallel region over all the
// tensors of a call, as if they were one concatenated tensor, split into
// ranges as ATen splits an elementwise op; each range is updated in one pass
// over its memory, vectorized with at::vec::Vectorized. The per-element math
// is the Update type of math/<name>_math.h (Coeffs<T>, kSlots, apply()).
// An update with reductions gets a first region that sums each tensor's
// terms (cpu/reduction_pass.h) before the one that updates.
#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <c10/util/Optional.h>

#include <algorithm>
#include <array>
#include <vector>

#include "cpu/reduction_pass.h"
#include "cpu/vectorized_ops.h"
#include "fused_call.h"
#include "math/update_interface.h"
#include "parallel_for.h"

namespace gradus {
namespace cpu {
namespace CPU_CAPABILITY {

// One lane (scalar or vector) of the update at element i.
template <typename Update, typename Lane, typename opmath_t, size_t kSlots>
inline void update_lane(const Buffers<opmath_t, kSlots>& b, int64_t i,
                        const typename Update::template Coeffs<Lane>& coeffs, const opmath_t* grad_scale) {
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
                  const StepCoeffs<Update, opmath_t>& coeffs, const opmath_t* grad_scale) {
  using Vec = at::vec::Vectorized<opmath_t>;
  int64_t i = begin;
  // Two vectors per iteration and the rest scalar, as ATen's vectorized
  // loops go: the same elements take the vector and the scalar rounding.
  const int64_t width = Vec::size();
  for (; i + 2 * width <= end; i += 2 * width) {
    update_lane<Update, Vec>(b, i, coeffs.vector, grad_scale);
    update_lane<Update, Vec>(b, i + width, coeffs.vector, grad_scale);
  }
  for (; i < end; ++i) update_lane<Update, opmath_t>(b, i, coeffs.scalar, grad_scale);
}

// Keeps tensor t's scalars in `w.before` and writes their new values.
template <typename Update, typename Work>
void advance_tensor_scalars(const typename Update::Hyper& hyper, const kernels::TensorPointers& ptr, size_t t, Work& w) {
  constexpr int kScalars = math::kScalarsOf<Update>;
  if constexpr (kScalars > 0) {
    std::array<float, kScalars> after;
    for (int k = 0; k < kScalars; ++k) after[k] = w.before[k] = *ptr.scalars[k][t];
    math::advance_scalars<Update>(hyper, w.step, after.data());
    for (int k = 0; k < kScalars; ++k) *ptr.scalars[k][t] = after[k];
  }
}

// The first element of the int8 block at or after element i (or numel).
inline int64_t block_start(int64_t i, int64_t numel) {
  const int64_t rounded = (i + math::kQuantBlock - 1) / math::kQuantBlock * math::kQuantBlock;
  return std::min(rounded, numel);
}

// How the call rounds float16/bfloat16 params: the arguments every
// declared operator takes (none for the hand-written ones).
template <class Hyper>
Rounding rounding_of(const kernels::FusedCall<Hyper>& call) {
  Rounding r;
  if constexpr (ops::kHasRounding<Hyper>) {
    r.kahan = call.hyper.kahan && !call.state[kernels::kSlotCount<Hyper> - 1].empty();
    r.stochastic = call.hyper.stochastic_rounding;
    r.seed = static_cast<uint64_t>(call.hyper.rounding_seed);
    r.step = static_cast<uint32_t>(static_cast<uint64_t>(call.hyper.rounding_step));
  }
  return r;
}

template <typename Update, typename scalar_t>
void run_typed(kernels::FusedCall<typename Update::Hyper>& call) {
  using opmath_t = at::opmath_type<scalar_t>;
  constexpr size_t kSlots = Update::kSlots;
  const kernels::TensorPointers& ptr = call.pointers;  // checked by check_call
  const size_t n = ptr.params.size();
  struct WorkArray;
  auto& work = call_buffer<WorkArray, TensorWork<Update, scalar_t, opmath_t>>(n);
  // Step counts and scalars advance here, before the update's region, which
  // reads the step's new count and the scalars' old values. Each step count
  // is an allocation of its own, a cache miss: long lists take both threads.
  at::parallel_for(0, static_cast<int64_t>(n), kTensorsPerTask, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      auto& w = work[t];
      w.param = static_cast<scalar_t*>(ptr.params[t]);
      w.grad = static_cast<scalar_t*>(ptr.grads[t]);
      w.plain = ptr.plain_state;
      w.index = t;
      for (size_t k = 0; k < kSlots; ++k) {
        const bool used = !ptr.state[k].empty();
        w.state[k] = used ? ptr.state[k][t] : nullptr;
        w.format[k] = used ? static_cast<kernels::StateFormat>(ptr.state_formats[k][t]) : kernels::kOpmath;
        w.quantized = w.quantized || w.format[k] == kernels::kQuant8State;
      }
      w.step = ptr.steps.empty() ? 0 : ++*ptr.steps[t];
      advance_tensor_scalars<Update>(call.hyper, ptr, t, w);
      w.numel = ptr.numels[t];
    }
  });
  struct OffsetArray;
  auto& offsets = call_buffer<OffsetArray, int64_t>(n + 1);  // tensor t is elements [offsets[t], offsets[t + 1])
  for (size_t t = 0; t < n; ++t) offsets[t + 1] = offsets[t] + work[t].numel;
  const opmath_t scale = call.grad_scale.defined() ? opmath_t(*call.grad_scale.template data_ptr<float>()) : opmath_t(1);
  const opmath_t* grad_scale = call.grad_scale.defined() ? &scale : nullptr;
  if constexpr (math::kReductionsOf<Update> > 0) reduce_tensors<Update>(call.hyper, work, grad_scale);
  const Rounding rounding = rounding_of(call);
  at::parallel_for(0, offsets[n], update_grain(offsets[n]), [&](int64_t begin, int64_t end) {
    // Tensors usually share a step count (and scalars): coefficients
    // (powers, for bias corrections) are computed again only when it changes.
    c10::optional<StepCoeffs<Update, opmath_t>> coeffs;
    const TensorWork<Update, scalar_t, opmath_t>* coeffs_of = nullptr;
    size_t t = std::upper_bound(offsets.begin(), offsets.end(), begin) - offsets.begin() - 1;
    for (; t < n && offsets[t] < end; ++t) {
      int64_t lo = std::max(begin, offsets[t]) - offsets[t];
      int64_t hi = std::min(end, offsets[t + 1]) - offsets[t];
      if (work[t].quantized) {  // each int8 block is encoded whole, by the range its first element is in
        lo = block_start(lo, work[t].numel);
        hi = block_start(hi, work[t].numel);
      }
      if (lo >= hi) continue;
      if (!coeffs || !work[t].same_coeffs(*coeffs_of)) {
        coeffs.emplace(call.hyper, work[t], /*finished=*/true);
        coeffs_of = &work[t];
      }
      // In its own type, or in float blocks for half and bfloat16 (tensor_work.h).
      for_opmath_blocks(work[t], lo, hi, /*writes=*/true, /*writes_grad=*/grad_scale != nullptr, rounding,
                        [&](const auto& b, int64_t b_lo, int64_t b_hi) {
                          update_range<Update>(b, b_lo, b_hi, *coeffs, grad_scale);
                        });
    }
  });
}

}  // namespace CPU_CAPABILITY
}  // namespace cpu
}  // namespace gradus
