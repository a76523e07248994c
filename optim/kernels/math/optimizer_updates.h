#pragma once
// Each optimizer's per-element update as the kernel drivers call it, shared
// by the CPU loop (cpu/fused_loop.h) and the CUDA kernel
// (cuda/multi_tensor_apply.cuh): the host Scalars, the Coeffs per lane type,
// the number of optimizer-state slots, whether the step count enters the
// math, and apply() over one lane's param, grad and state slots.
#include "math/adadelta_math.h"
#include "math/adagrad_math.h"
#include "math/adam_math.h"
#include "math/rmsprop_math.h"
#include "math/sgd_math.h"

GRADUS_MATH_NAMESPACE_BEGIN

struct SgdUpdate {
  using Scalars = SgdScalars;
  template <typename T>
  using Coeffs = SgdCoeffs<T>;
  static constexpr int kSlots = kSgdSlots;
  static constexpr bool kHasStep = false;
  template <typename T>
  GRADUS_MATH_FN static void apply(T& p, T& g, T* s, const Coeffs<T>& c) {
    sgd_math(p, g, s[kMomentumBuffer], c);
  }
};

struct AdamUpdate {
  using Scalars = AdamScalars;
  template <typename T>
  using Coeffs = AdamCoeffs<T>;
  static constexpr int kSlots = kAdamSlots;
  static constexpr bool kHasStep = true;
  template <typename T>
  GRADUS_MATH_FN static void apply(T& p, T& g, T* s, const Coeffs<T>& c) {
    adam_math(p, g, s[kExpAvg], s[kExpAvgSq], s[kMaxExpAvgSq], c);
  }
};

struct AdagradUpdate {
  using Scalars = AdagradScalars;
  template <typename T>
  using Coeffs = AdagradCoeffs<T>;
  static constexpr int kSlots = kAdagradSlots;
  static constexpr bool kHasStep = true;
  template <typename T>
  GRADUS_MATH_FN static void apply(T& p, T& g, T* s, const Coeffs<T>& c) {
    adagrad_math(p, g, s[kStateSum], c);
  }
};

struct RmspropUpdate {
  using Scalars = RmspropScalars;
  template <typename T>
  using Coeffs = RmspropCoeffs<T>;
  static constexpr int kSlots = kRmspropSlots;
  static constexpr bool kHasStep = false;  // counted, but not in the math
  template <typename T>
  GRADUS_MATH_FN static void apply(T& p, T& g, T* s, const Coeffs<T>& c) {
    rmsprop_math(p, g, s[kSquareAvg], s[kGradAvg], s[kRmspropMomentumBuffer], c);
  }
};

struct AdadeltaUpdate {
  using Scalars = AdadeltaScalars;
  template <typename T>
  using Coeffs = AdadeltaCoeffs<T>;
  static constexpr int kSlots = kAdadeltaSlots;
  static constexpr bool kHasStep = false;  // counted, but not in the math
  template <typename T>
  GRADUS_MATH_FN static void apply(T& p, T& g, T* s, const Coeffs<T>& c) {
    adadelta_math(p, g, s[kAdadeltaSquareAvg], s[kAccDelta], c);
  }
};

GRADUS_MATH_NAMESPACE_END
