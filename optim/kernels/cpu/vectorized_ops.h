#pragma once
// Vectorized specialisations of the math building blocks, and the loads and
// stores that let one loop body serve both the vector body and the scalar tail.
#include <ATen/cpu/vec/vec.h>

#include <gradus/optim/element_math.h>

GRADUS_MATH_NAMESPACE_BEGIN

template <>
inline at::vec::Vectorized<float> sqrt_of(const at::vec::Vectorized<float>& x) {
  return x.sqrt();
}
template <>
inline at::vec::Vectorized<double> sqrt_of(const at::vec::Vectorized<double>& x) {
  return x.sqrt();
}
template <>
inline at::vec::Vectorized<float> maximum_of(const at::vec::Vectorized<float>& a,
                                             const at::vec::Vectorized<float>& b) {
  return at::vec::maximum(a, b);
}
template <>
inline at::vec::Vectorized<double> maximum_of(const at::vec::Vectorized<double>& a,
                                              const at::vec::Vectorized<double>& b) {
  return at::vec::maximum(a, b);
}

template <>
inline at::vec::Vectorized<float> abs_of(const at::vec::Vectorized<float>& x) {
  return x.abs();
}
template <>
inline at::vec::Vectorized<double> abs_of(const at::vec::Vectorized<double>& x) {
  return x.abs();
}

template <typename S>
inline at::vec::Vectorized<S> by_sign_vec(const at::vec::Vectorized<S>& x, const at::vec::Vectorized<S>& pos,
                                         const at::vec::Vectorized<S>& neg,
                                         const at::vec::Vectorized<S>& otherwise) {
  using Vec = at::vec::Vectorized<S>;
  const Vec zero(S(0));
  return Vec::blendv(Vec::blendv(otherwise, neg, x < zero), pos, x > zero);
}
template <>
inline at::vec::Vectorized<float> by_sign(const at::vec::Vectorized<float>& x, const at::vec::Vectorized<float>& pos,
                                          const at::vec::Vectorized<float>& neg,
                                          const at::vec::Vectorized<float>& otherwise) {
  return by_sign_vec(x, pos, neg, otherwise);
}
template <>
inline at::vec::Vectorized<double> by_sign(const at::vec::Vectorized<double>& x,
                                           const at::vec::Vectorized<double>& pos,
                                           const at::vec::Vectorized<double>& neg,
                                           const at::vec::Vectorized<double>& otherwise) {
  return by_sign_vec(x, pos, neg, otherwise);
}
template <>
inline at::vec::Vectorized<float> clamp_of(const at::vec::Vectorized<float>& x, const at::vec::Vectorized<float>& lo,
                                           const at::vec::Vectorized<float>& hi) {
  return at::vec::clamp(x, lo, hi);
}
template <>
inline at::vec::Vectorized<double> clamp_of(const at::vec::Vectorized<double>& x,
                                            const at::vec::Vectorized<double>& lo,
                                            const at::vec::Vectorized<double>& hi) {
  return at::vec::clamp(x, lo, hi);
}

template <>
inline at::vec::Vectorized<float> fma_of(const at::vec::Vectorized<float>& a, const at::vec::Vectorized<float>& b,
                                         const at::vec::Vectorized<float>& c) {
  return at::vec::fmadd(a, b, c);
}
template <>
inline at::vec::Vectorized<double> fma_of(const at::vec::Vectorized<double>& a,
                                          const at::vec::Vectorized<double>& b,
                                          const at::vec::Vectorized<double>& c) {
  return at::vec::fmadd(a, b, c);
}

GRADUS_MATH_NAMESPACE_END

namespace gradus {
namespace cpu {
namespace CPU_CAPABILITY {

// A lane is one scalar or one vector of them.
template <typename Lane>
struct LaneIO {
  template <typename S>
  static Lane load(const S* p) { return *p; }
  template <typename S>
  static void store(const Lane& v, S* p) { *p = v; }
};

template <typename S>
struct LaneIO<at::vec::Vectorized<S>> {
  using Vec = at::vec::Vectorized<S>;
  static Vec load(const S* p) { return Vec::loadu(p); }
  static void store(const Vec& v, S* p) { v.store(p); }
};

}  // namespace CPU_CAPABILITY
}  // namespace cpu
}  // namespace gradus
