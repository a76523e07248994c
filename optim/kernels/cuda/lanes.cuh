#pragma once
// Loading and storing kILP consecutive elements of a buffer in one thread:
// a vector access when the address and length allow, scalar otherwise, with
// the conversions between a buffer's type and its math type.
#include <cstdint>
#include <type_traits>

#include <cuda_bf16.h>
#include <cuda_fp16.h>

namespace gradus {
namespace cuda {

constexpr int kILP = 4;

template <typename T>
__device__ __forceinline__ float to_opmath(T v) { return static_cast<float>(v); }
__device__ __forceinline__ double to_opmath(double v) { return v; }
__device__ __forceinline__ float to_opmath(__half v) { return __half2float(v); }
__device__ __forceinline__ float to_opmath(__nv_bfloat16 v) { return __bfloat162float(v); }

template <typename T>
__device__ __forceinline__ T from_opmath(float v);
template <>
__device__ __forceinline__ float from_opmath<float>(float v) { return v; }
template <>
__device__ __forceinline__ __half from_opmath<__half>(float v) { return __float2half_rn(v); }
template <>
__device__ __forceinline__ __nv_bfloat16 from_opmath<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }

template <typename T>
__device__ __forceinline__ T narrow(typename std::conditional<std::is_same<T, double>::value, double, float>::type v) {
  if constexpr (std::is_same<T, double>::value) return v;
  else return from_opmath<T>(v);
}

template <typename T, int N>
struct alignas(sizeof(T) * N) Pack {
  T v[N];
};

__device__ __forceinline__ bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) % 16) == 0; }

// kILP elements at `offset` of `src` (an opmath_t buffer in registers gets them).
template <typename T, typename opmath_t>
__device__ __forceinline__ void load_lane(opmath_t* dst, const T* src, int64_t offset, int64_t len, bool vector) {
  if (vector) {
    const Pack<T, kILP> pack = *reinterpret_cast<const Pack<T, kILP>*>(src + offset);
#pragma unroll
    for (int i = 0; i < kILP; ++i) dst[i] = to_opmath(pack.v[i]);
  } else {
#pragma unroll
    for (int i = 0; i < kILP; ++i) dst[i] = offset + i < len ? to_opmath(src[offset + i]) : opmath_t(0);
  }
}

template <typename T, typename opmath_t>
__device__ __forceinline__ void store_lane(T* dst, const opmath_t* src, int64_t offset, int64_t len, bool vector) {
  if (vector) {
    Pack<T, kILP> pack;
#pragma unroll
    for (int i = 0; i < kILP; ++i) pack.v[i] = narrow<T>(src[i]);
    *reinterpret_cast<Pack<T, kILP>*>(dst + offset) = pack;
  } else {
#pragma unroll
    for (int i = 0; i < kILP; ++i) {
      if (offset + i < len) dst[offset + i] = narrow<T>(src[i]);
    }
  }
}

}  // namespace cuda
}  // namespace gradus
