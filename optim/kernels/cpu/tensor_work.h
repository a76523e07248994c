#pragma once
// What the CPU passes (cpu/fused_loop.h, cpu/reduction_pass.h) know of one
// tensor of a call, and the coefficients they hand the math.
#include <ATen/cpu/vec/vec.h>

#include <array>
#include <cstdint>

#include "math/update_interface.h"

namespace gradus {
namespace cpu {
namespace CPU_CAPABILITY {

// Elements per parallel task; matches ATen's own grain for elementwise ops.
constexpr int64_t kGrainSize = 32768;
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
