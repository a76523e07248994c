#pragma once
// Building blocks of the per-element optimizer math (the second half of each
// optimizer's header, e.g. gradus/optim/adam.h). No ATen: nvcc compiles the
// math for the CUDA kernels exactly as the C++ compiler does for the CPU loops.
//
// The math is templated on the value type T: a scalar (float, double) for the
// scalar tail and the CUDA kernels, or at::vec::Vectorized<...> for the CPU
// vector body. Functions that are spelled differently for vectors are function
// templates here; cpu/vectorized_ops.h specialises them for Vectorized.

#include <cmath>

#if defined(__CUDACC__)
#define GRADUS_MATH_FN __host__ __device__ __forceinline__
#else
#define GRADUS_MATH_FN inline
#endif

// Each CPU capability build compiles this math with other instructions, so
// its copy lives in an inline namespace of its own (no clash at link time).
#if defined(CPU_CAPABILITY)
#define GRADUS_MATH_NAMESPACE_BEGIN \
  namespace gradus {                \
  namespace math {                  \
  inline namespace CPU_CAPABILITY {
#define GRADUS_MATH_NAMESPACE_END \
  }                               \
  }                               \
  }
#else
#define GRADUS_MATH_NAMESPACE_BEGIN \
  namespace gradus {                \
  namespace math {
#define GRADUS_MATH_NAMESPACE_END \
  }                               \
  }
#endif

GRADUS_MATH_NAMESPACE_BEGIN

template <typename T>
GRADUS_MATH_FN T sqrt_of(const T& x);

// torch.maximum semantics: a NaN in either operand gives NaN.
template <typename T>
GRADUS_MATH_FN T maximum_of(const T& a, const T& b);

// a * b + c, rounded as ATen rounds its `x.add(y, alpha)`: fmadd(y, alpha, x)
// in its vector loops, a + alpha * b in its scalar loops.
template <typename T>
GRADUS_MATH_FN T fma_of(const T& a, const T& b, const T& c);

template <>
GRADUS_MATH_FN float sqrt_of(const float& x) {
  return ::sqrtf(x);
}
template <>
GRADUS_MATH_FN double sqrt_of(const double& x) {
  return ::sqrt(x);
}
// Where the hardware has FMA (the AVX2 CPU copy, the GPU), ATen's scalar
// loops are compiled to use it for `a + alpha * b` too: round once there,
// twice in the baseline copy, as ATen's baseline build does.
#if defined(__CUDA_ARCH__) || defined(CPU_CAPABILITY_AVX2) || defined(CPU_CAPABILITY_AVX512)
#define GRADUS_SCALAR_FMA 1
#endif
template <>
GRADUS_MATH_FN float fma_of(const float& a, const float& b, const float& c) {
#ifdef GRADUS_SCALAR_FMA
  return ::fmaf(a, b, c);
#else
  return a * b + c;
#endif
}
template <>
GRADUS_MATH_FN double fma_of(const double& a, const double& b, const double& c) {
#ifdef GRADUS_SCALAR_FMA
  return ::fma(a, b, c);
#else
  return a * b + c;
#endif
}
template <>
GRADUS_MATH_FN float maximum_of(const float& a, const float& b) {
  return (a > b || a != a) ? a : b;
}
template <>
GRADUS_MATH_FN double maximum_of(const double& a, const double& b) {
  return (a > b || a != a) ? a : b;
}

template <typename T>
GRADUS_MATH_FN T abs_of(const T& x);
template <>
GRADUS_MATH_FN float abs_of(const float& x) {
  return ::fabsf(x);
}
template <>
GRADUS_MATH_FN double abs_of(const double& x) {
  return ::fabs(x);
}

// `pos` where x > 0, `neg` where x < 0, `otherwise` where x is 0 or NaN
// (as torch.sign, which gives 0 for NaN, maps them).
template <typename T>
GRADUS_MATH_FN T by_sign(const T& x, const T& pos, const T& neg, const T& otherwise);
template <>
GRADUS_MATH_FN float by_sign(const float& x, const float& pos, const float& neg, const float& otherwise) {
  return x > 0 ? pos : (x < 0 ? neg : otherwise);
}
template <>
GRADUS_MATH_FN double by_sign(const double& x, const double& pos, const double& neg, const double& otherwise) {
  return x > 0 ? pos : (x < 0 ? neg : otherwise);
}

// x.clamp_(lo, hi) as ATen: min(max(x, lo), hi), so hi wins if lo > hi; NaN stays NaN.
template <typename T>
GRADUS_MATH_FN T clamp_of(const T& x, const T& lo, const T& hi);
template <>
GRADUS_MATH_FN float clamp_of(const float& x, const float& lo, const float& hi) {
  if (x != x) return x;
  const float at_least_lo = x < lo ? lo : x;
  return at_least_lo > hi ? hi : at_least_lo;
}
template <>
GRADUS_MATH_FN double clamp_of(const double& x, const double& lo, const double& hi) {
  if (x != x) return x;
  const double at_least_lo = x < lo ? lo : x;
  return at_least_lo > hi ? hi : at_least_lo;
}

// The weight of a lerp, fixed for a call, in the form ATen's lerp uses it:
// start + w * (end - start) for |w| < 0.5, else end + (w - 1) * (end - start),
// each one fused multiply-add in ATen's vector loops.
template <typename T>
struct LerpWeight {
  T coeff;          // w or w - 1
  bool from_start;  // |w| < 0.5
  GRADUS_MATH_FN explicit LerpWeight(double w)
      : coeff(T(::fabs(w) < 0.5 ? w : w - 1)), from_start(::fabs(w) < 0.5) {}
};

// start.lerp_(end, w), rounded as ATen's lerp.
template <typename T>
GRADUS_MATH_FN T lerp_of(const T& start, const T& end, const LerpWeight<T>& w) {
  return fma_of(w.coeff, end - start, w.from_start ? start : end);
}

// self + value * t1 * t2, rounded as ATen's addcmul, which its compiler
// contracts to fma(value * t1, t2, self) on FMA hardware.
template <typename T>
GRADUS_MATH_FN T addcmul_of(const T& self, const T& value, const T& t1, const T& t2) {
  return fma_of(value * t1, t2, self);
}

// Flags that are the same for every element of one call.
struct GradFlags {
  bool maximize;
  bool has_weight_decay;
};

// The gradient as PyTorch's optimizers first transform it: negated when
// maximizing, then L2 weight decay (coupled) added. `weight_decay` is only read
// when flags.has_weight_decay.
template <typename T>
GRADUS_MATH_FN T effective_grad(T grad, const T& param, const T& weight_decay, GradFlags flags) {
  if (flags.maximize) grad = T(0) - grad;
  if (flags.has_weight_decay) grad = fma_of(param, weight_decay, grad);  // grad.add(param, wd)
  return grad;
}

GRADUS_MATH_NAMESPACE_END
