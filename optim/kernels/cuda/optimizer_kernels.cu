// The CUDA kernels of every gradus optimizer: the shared multi-tensor kernel
// instantiated with each optimizer's per-element math (the same headers the
// CPU kernels use).
#include "cuda/multi_tensor_apply.cuh"

namespace gradus {
namespace cuda {
namespace {

struct SgdUpdate {
  using Scalars = math::SgdScalars;
  template <typename T>
  using Coeffs = math::SgdCoeffs<T>;
  static constexpr int kSlots = math::kSgdSlots;
  static constexpr bool kHasStep = false;
  template <typename T>
  __device__ static void apply(T& p, T& g, T* s, const Coeffs<T>& c) {
    math::sgd_math(p, g, s[math::kMomentumBuffer], c);
  }
};

struct AdamUpdate {
  using Scalars = math::AdamScalars;
  template <typename T>
  using Coeffs = math::AdamCoeffs<T>;
  static constexpr int kSlots = math::kAdamSlots;
  static constexpr bool kHasStep = true;
  template <typename T>
  __device__ static void apply(T& p, T& g, T* s, const Coeffs<T>& c) {
    math::adam_math(p, g, s[math::kExpAvg], s[math::kExpAvgSq], s[math::kMaxExpAvgSq], c);
  }
};

struct AdagradUpdate {
  using Scalars = math::AdagradScalars;
  template <typename T>
  using Coeffs = math::AdagradCoeffs<T>;
  static constexpr int kSlots = math::kAdagradSlots;
  static constexpr bool kHasStep = true;
  template <typename T>
  __device__ static void apply(T& p, T& g, T* s, const Coeffs<T>& c) {
    math::adagrad_math(p, g, s[math::kStateSum], c);
  }
};

struct RmspropUpdate {
  using Scalars = math::RmspropScalars;
  template <typename T>
  using Coeffs = math::RmspropCoeffs<T>;
  static constexpr int kSlots = math::kRmspropSlots;
  static constexpr bool kHasStep = false;  // counted, but not in the math
  template <typename T>
  __device__ static void apply(T& p, T& g, T* s, const Coeffs<T>& c) {
    math::rmsprop_math(p, g, s[math::kSquareAvg], s[math::kGradAvg], s[math::kRmspropMomentumBuffer], c);
  }
};

struct AdadeltaUpdate {
  using Scalars = math::AdadeltaScalars;
  template <typename T>
  using Coeffs = math::AdadeltaCoeffs<T>;
  static constexpr int kSlots = math::kAdadeltaSlots;
  static constexpr bool kHasStep = false;  // counted, but not in the math
  template <typename T>
  __device__ static void apply(T& p, T& g, T* s, const Coeffs<T>& c) {
    math::adadelta_math(p, g, s[math::kAdadeltaSquareAvg], s[math::kAccDelta], c);
  }
};

}  // namespace

void launch_sgd(const FusedLists& lists, const math::SgdScalars& scalars) { launch<SgdUpdate>(lists, scalars); }
void launch_adam(const FusedLists& lists, const math::AdamScalars& scalars) { launch<AdamUpdate>(lists, scalars); }
void launch_adagrad(const FusedLists& lists, const math::AdagradScalars& scalars) {
  launch<AdagradUpdate>(lists, scalars);
}
void launch_rmsprop(const FusedLists& lists, const math::RmspropScalars& scalars) {
  launch<RmspropUpdate>(lists, scalars);
}
void launch_adadelta(const FusedLists& lists, const math::AdadeltaScalars& scalars) {
  launch<AdadeltaUpdate>(lists, scalars);
}

}  // namespace cuda
}  // namespace gradus
