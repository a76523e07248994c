#pragma once
// What the CPU passes (cpu/fused_loop.h, cpu/reduction_pass.h) know of one
// tensor of a call, and the coefficients they hand the math.
#include <ATen/cpu/vec/vec.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "math/update_interface.h"

namespace gradus {
namespace cpu {
namespace CPU_CAPABILITY {

// An array of n value-initialized T that a CPU pass needs for one call,
// kept by the calling thread from one call to the next. On a list of many
// tensors such arrays are hundreds of kilobytes: freed after each step,
// malloc hands them back to the system and the next step faults them in
// again page by page. Each Array tag names one array, so two arrays of
// the same type in one call never share a buffer.
template <typename Array, typename T>
std::vector<T>& call_buffer(size_t n) {
  thread_local std::vector<T> buffer;
  buffer.assign(n, T{});
  return buffer;
}

// Elements per parallel task; matches ATen's own grain for elementwise ops.
constexpr int64_t kGrainSize = 32768;
// A pass over fewer elements stays on the calling thread. Adam on 2 cores
// (docs/performance.md, "A busy machine"): over 101,770 elements (an MNIST
// MLP) two threads took 0.045 ms against one's 0.065 on a quiet machine,
// but 0.176 ms beside one busy process, where one thread still took 0.066:
// a region waits at its barrier for a thread the system has put aside.
// Over 524,288 elements the quiet gain (0.348 to 0.182 ms) is worth it.
constexpr int64_t kParallelFrom = int64_t(1) << 18;
// The grain of an update pass over `elements`: all of them below kParallelFrom.
inline int64_t update_grain(int64_t elements) {
  return elements < kParallelFrom ? std::max<int64_t>(elements, 1) : kGrainSize;
}
// Elements of a half/bfloat16 block converted to float on the stack.
constexpr int64_t kReducedBlock = 1024;

template <typename T, size_t kSlots>
struct Buffers {
  T* param;
  T* grad;
  std::array<T*, kSlots> state;  // null: an optional state this call does not use
};

// Room for an update's per-tensor scalars and sums (at least one, so the
// arrays exist).
template <typename Update>
constexpr size_t kScalarRoom = math::kScalarsOf<Update> > 0 ? math::kScalarsOf<Update> : 1;
template <typename Update>
constexpr size_t kReductionRoom = math::kReductionsOf<Update> > 0 ? math::kReductionsOf<Update> : 1;

// One tensor's buffers (in its own type), its step, the per-tensor scalars
// the step starts with and, once the reduction pass has run, its sums.
template <typename Update, typename scalar_t, typename opmath_t>
struct TensorWork {
  static constexpr size_t kSlots = Update::kSlots;
  scalar_t* param;
  scalar_t* grad;
  std::array<opmath_t*, kSlots> state;
  double step;
  std::array<float, kScalarRoom<Update>> before{};
  std::array<double, kReductionRoom<Update>> totals{};
  int64_t numel;

  // Whether `other`'s coefficients are this tensor's too.
  bool same_coeffs(const TensorWork& other) const {
    return step == other.step && before == other.before &&
           (math::kReductionsOf<Update> == 0 || (totals == other.totals && numel == other.numel));
  }
};

// Calls visit(buffers, lo, hi) over elements [begin, end) of one tensor as
// opmath buffers: the tensor's own for float and double; for half and
// bfloat16, blocks widened to float on the stack (the state is float
// already), whose params (if `writes_param`) and grads (if `writes_grad`)
// are narrowed back.
template <typename Update, typename scalar_t, typename opmath_t, typename Visit>
void for_opmath_blocks(const TensorWork<Update, scalar_t, opmath_t>& w, int64_t begin, int64_t end,
                       bool writes_param, bool writes_grad, Visit&& visit) {
  constexpr size_t kSlots = Update::kSlots;
  auto state_at = [&](int64_t offset) {
    std::array<opmath_t*, kSlots> out{};
    for (size_t k = 0; k < kSlots; ++k) out[k] = w.state[k] ? w.state[k] + offset : nullptr;
    return out;
  };
  if constexpr (std::is_same_v<scalar_t, opmath_t>) {
    visit(Buffers<opmath_t, kSlots>{w.param, w.grad, state_at(0)}, begin, end);
  } else {
    float param_block[kReducedBlock];
    float grad_block[kReducedBlock];
    for (int64_t start = begin; start < end; start += kReducedBlock) {
      const int64_t len = std::min(kReducedBlock, end - start);
      std::copy(w.param + start, w.param + start + len, param_block);
      std::copy(w.grad + start, w.grad + start + len, grad_block);
      visit(Buffers<float, kSlots>{param_block, grad_block, state_at(start)}, 0, len);
      if (writes_param) std::copy(param_block, param_block + len, w.param + start);
      if (writes_grad) std::copy(grad_block, grad_block + len, w.grad + start);
    }
  }
}

// The update's coefficients for one step count (and per-tensor scalars),
// for vectors and scalars; with `totals`, finished for apply().
template <typename Update, typename opmath_t>
struct StepCoeffs {
  typename Update::template Coeffs<at::vec::Vectorized<opmath_t>> vector;
  typename Update::template Coeffs<opmath_t> scalar;
  template <typename Work>
  StepCoeffs(const typename Update::Hyper& hyper, const Work& w, bool finished)
      : vector(math::coeffs_for<Update, at::vec::Vectorized<opmath_t>>(hyper, w.step, w.before.data())),
        scalar(math::coeffs_for<Update, opmath_t>(hyper, w.step, w.before.data())) {
    if (finished) {
      math::finish_coeffs<Update>(vector, w.totals.data(), double(w.numel));
      math::finish_coeffs<Update>(scalar, w.totals.data(), double(w.numel));
    }
  }
};

}  // namespace CPU_CAPABILITY
}  // namespace cpu
}  // namespace gradus
