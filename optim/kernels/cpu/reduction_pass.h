#pragma once
// The first CPU pass of an update with reductions (math/update_interface.h):
// each tensor's sums, taken before anything moves. Tensors are cut into
// chunks of kGrainSize elements; a chunk is summed by one thread, in a fixed
// order of vector lanes, and the chunks of a tensor are added in order. A
// tensor's totals are then the same whatever the number of threads.
#include <c10/util/Optional.h>

#include <algorithm>
#include <array>
#include <vector>

#include "cpu/tensor_work.h"
#include "cpu/vectorized_ops.h"
#include "parallel_for.h"

namespace gradus {
namespace cpu {
namespace CPU_CAPABILITY {

template <typename Update>
using Sums = std::array<double, kReductionRoom<Update>>;

// Adds one lane's (scalar or vector) terms at element i to `sums`.
template <typename Update, typename Lane, typename opmath_t, size_t kSlots>
inline void reduce_lane(const Buffers<opmath_t, kSlots>& b, int64_t i,
                        const typename Update::template Coeffs<Lane>& coeffs, const opmath_t* grad_scale,
                        Lane* sums) {
  using IO = LaneIO<Lane>;
  const Lane param = IO::load(b.param + i);
  Lane grad = IO::load(b.grad + i);
  if (grad_scale) grad = grad / Lane(*grad_scale);  // unscaled as the update will see it; not written
  std::array<Lane, kSlots> state;
  for (size_t k = 0; k < kSlots; ++k) state[k] = b.state[k] ? IO::load(b.state[k] + i) : Lane(0);
  Update::reduce(param, grad, state.data(), coeffs, sums);
}

// Adds the sums of elements [begin, end) of contiguous opmath buffers to
// `out`: vector lanes, then each lane in order, then the scalar tail.
template <typename Update, typename opmath_t, size_t kSlots>
void reduce_range(const Buffers<opmath_t, kSlots>& b, int64_t begin, int64_t end,
                  const StepCoeffs<Update, opmath_t>& coeffs, const opmath_t* grad_scale, Sums<Update>& out) {
  using Vec = at::vec::Vectorized<opmath_t>;
  constexpr int kReductions = math::kReductionsOf<Update>;
  std::array<Vec, kReductions> vector_sums;
  vector_sums.fill(Vec(opmath_t(0)));
  std::array<opmath_t, kReductions> tail_sums{};
  int64_t i = begin;
  for (; i + Vec::size() <= end; i += Vec::size()) {
    reduce_lane<Update, Vec>(b, i, coeffs.vector, grad_scale, vector_sums.data());
  }
  for (; i < end; ++i) reduce_lane<Update, opmath_t>(b, i, coeffs.scalar, grad_scale, tail_sums.data());
  for (int k = 0; k < kReductions; ++k) {
    opmath_t lanes[Vec::size()];
    vector_sums[k].store(lanes);
    double total = 0;
    for (int64_t lane = 0; lane < Vec::size(); ++lane) total += double(lanes[lane]);
    out[k] += total + double(tail_sums[k]);
  }
}

// Elements [begin, end) of one tensor (cpu/tensor_work.h's for_opmath_blocks).
template <typename Update, typename scalar_t, typename opmath_t>
void reduce_tensor_range(const TensorWork<Update, scalar_t, opmath_t>& w, int64_t begin, int64_t end,
                         const StepCoeffs<Update, opmath_t>& coeffs, const opmath_t* grad_scale,
                         Sums<Update>& out) {
  for_opmath_blocks(w, begin, end, /*writes=*/false, /*writes_grad=*/false, Rounding{}, [&](const auto& b, int64_t lo, int64_t hi) {
    reduce_range<Update>(b, lo, hi, coeffs, grad_scale, out);
  });
}

// Fills every tensor's `totals`.
template <typename Update, typename scalar_t, typename opmath_t>
void reduce_tensors(const typename Update::Hyper& hyper, std::vector<TensorWork<Update, scalar_t, opmath_t>>& work,
                    const opmath_t* grad_scale) {
  struct Chunk {
    size_t tensor;
    int64_t begin, end;
  };
  std::vector<Chunk> chunks;
  int64_t elements = 0;
  for (size_t t = 0; t < work.size(); ++t) {
    for (int64_t begin = 0; begin < work[t].numel; begin += kGrainSize) {
      chunks.push_back({t, begin, std::min(work[t].numel, begin + kGrainSize)});
    }
    elements += work[t].numel;
  }
  std::vector<Sums<Update>> partial(chunks.size());
  const int64_t count = static_cast<int64_t>(chunks.size());
  // Small calls stay on the calling thread, as the update pass (tensor_work.h).
  const int64_t grain = elements < kParallelFrom ? std::max<int64_t>(count, 1) : 1;
  at::parallel_for(0, count, grain, [&](int64_t begin, int64_t end) {
    c10::optional<StepCoeffs<Update, opmath_t>> coeffs;
    size_t coeffs_of = 0;
    for (int64_t c = begin; c < end; ++c) {
      const auto& w = work[chunks[c].tensor];
      if (!coeffs || !w.same_coeffs(work[coeffs_of])) {
        coeffs.emplace(hyper, w, /*finished=*/false);
        coeffs_of = chunks[c].tensor;
      }
      partial[c].fill(0);
      reduce_tensor_range<Update>(w, chunks[c].begin, chunks[c].end, *coeffs, grad_scale, partial[c]);
    }
  });
  for (size_t c = 0; c < chunks.size(); ++c) {
    auto& totals = work[chunks[c].tensor].totals;
    for (int k = 0; k < math::kReductionsOf<Update>; ++k) totals[k] += partial[c][k];
  }
}

}  // namespace CPU_CAPABILITY
}  // namespace cpu
}  // namespace gradus
