#pragma once
// What the CPU passes (cpu/fused_loop.h, cpu/reduction_pass.h) know of one
// tensor of a call, and the coefficients they hand the math.
#include <ATen/cpu/vec/vec.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "cpu/capability_select.h"
#include "cpu/state_blocks.h"
#include "cpu/state_codecs.h"
#include "math/update_interface.h"
#include "tensor_pointers.h"

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
// Elements of a half/bfloat16 block converted to float on the stack, at
// most: a block's sums are added in double (reduction_pass.h), so this
// size is part of what the reductions give.
constexpr int64_t kReducedBlock = 1024;
// The update pass takes blocks of one int8 block's size: its blocks
// (params, grads, old params, up to four states) then stay in the L1 cache
// beside the streams it reads. Adam over 10M params, 2 threads, as a
// ratio to float32 params and state: bfloat16 params + Kahan 2.61x with
// blocks of 1024, 2.24x with 256; int8 state 2.87x and 2.74x
// (docs/low-memory.md).
constexpr int64_t kUpdateBlock = math::kQuantBlock;

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

// One tensor's buffers (in its own type; state in its StateFormat), its
// step, the per-tensor scalars the step starts with and, once the reduction
// pass has run, its sums.
template <typename Update, typename scalar_t, typename opmath_t>
struct TensorWork {
  static constexpr size_t kSlots = Update::kSlots;
  scalar_t* param;
  scalar_t* grad;
  std::array<void*, kSlots> state;
  std::array<kernels::StateFormat, kSlots> format{};
  bool plain = true;      // every state in opmath_t: the buffers are used as they are
  bool quantized = false;  // some state in int8 blocks: ranges start at a block
  int64_t index = 0;       // its place in the call (keys stochastic rounding)
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

// decode_state and encode_state, in this copy's code or, from the AVX2
// copy on a CPU with AVX-512, in the AVX-512 codecs (cpu/state_codecs.h).
// Both give the same bits.
#if defined(CPU_CAPABILITY_AVX2) && defined(GRADUS_HAVE_AVX512_CODECS)
#define GRADUS_AVX512_STATE_CODECS 1
#endif
struct StateCodec {
#if defined(GRADUS_AVX512_STATE_CODECS)
  bool wide = avx512_state_codecs();
#endif
  void decode(const void* raw, kernels::StateFormat format, int64_t numel, int64_t start, int64_t len,
              float* out) const {
#if defined(GRADUS_AVX512_STATE_CODECS)
    if (wide) return decode_state_avx512(raw, format, numel, start, len, out);
#endif
    decode_state(raw, format, numel, start, len, out);
  }
  void encode(const float* in, kernels::StateFormat format, int64_t numel, int64_t start, int64_t len,
              void* raw) const {
#if defined(GRADUS_AVX512_STATE_CODECS)
    if (wide) return encode_state_avx512(in, format, numel, start, len, raw);
#endif
    encode_state(in, format, numel, start, len, raw);
  }
};

// How an update pass writes float16 and bfloat16 params (precision.h).
struct Rounding {
  bool kahan = false;  // the last state slot is the Kahan buffer
  bool stochastic = false;
  uint64_t seed = 0;
  uint32_t step = 0;
};

// The float blocks below live on the stack, and each pass writes their first
// `len` elements before it reads them; GCC cannot follow that through the
// conversions and warns once per instantiation that they may be read unset.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// Writes the updated float params `updated` (from `old`) into elements
// [start, start + len) of a float16/bfloat16 param, rounded as `rounding`
// says; Kahan's buffer (`comp`, as floats) takes the rounding error.
template <typename scalar_t>
void write_reduced_params(const float* updated, const float* old, float* comp, const Rounding& rounding,
                          int64_t index, int64_t start, int64_t len, scalar_t* param) {
  if (rounding.kahan && std::is_same_v<scalar_t, c10::BFloat16>) {
    kahan_bf16(updated, old, comp, len, param + start);
  } else if (rounding.kahan) {  // float16: the sums rounded in one pass (F16C), read back in another
    float sum[kReducedBlock], rounded[kReducedBlock];
    for (int64_t j = 0; j < len; ++j) sum[j] = math::kahan_sum(updated[j], old[j], comp[j]);
    float_to_half(sum, param + start, len);
    half_to_float(param + start, rounded, len);
    for (int64_t j = 0; j < len; ++j) comp[j] = math::kahan_residual(updated[j], old[j], comp[j], rounded[j]);
  } else if (rounding.stochastic) {
    stochastic_round(updated, rounding.seed, rounding.step, static_cast<uint32_t>(index), start, len, param + start);
  } else {
    narrow(updated, param + start, len);
  }
}

// Calls visit(buffers, lo, hi) over elements [begin, end) of one tensor as
// opmath buffers: the tensor's own for float and double with opmath state;
// otherwise blocks widened to float on the stack, whose state, params (if
// `writes`) and grads (if `writes_grad`) are narrowed back.
template <typename Update, typename scalar_t, typename opmath_t, typename Visit>
void for_opmath_blocks(const TensorWork<Update, scalar_t, opmath_t>& w, int64_t begin, int64_t end, bool writes,
                       bool writes_grad, const Rounding& rounding, Visit&& visit) {
  constexpr size_t kSlots = Update::kSlots;
  if constexpr (std::is_same_v<scalar_t, opmath_t>) {
    if (w.plain || !std::is_same_v<opmath_t, float>) {  // double state is always plain (check_call)
      std::array<opmath_t*, kSlots> state{};
      for (size_t k = 0; k < kSlots; ++k) state[k] = static_cast<opmath_t*>(w.state[k]);
      visit(Buffers<opmath_t, kSlots>{w.param, w.grad, state}, begin, end);
      return;
    }
  }
  if constexpr (std::is_same_v<opmath_t, float>) {
    constexpr bool kReducedParams = !std::is_same_v<scalar_t, float>;
    float param_block[kReducedBlock], grad_block[kReducedBlock], old_block[kReducedBlock];
    float state_block[kSlots > 0 ? kSlots : 1][kReducedBlock];
    const int64_t block = writes ? kUpdateBlock : kReducedBlock;
    const StateCodec codec;
    for (int64_t start = begin; start < end; start += block) {
      const int64_t len = std::min(block, end - start);
      float* param = reinterpret_cast<float*>(w.param) + start;
      float* grad = reinterpret_cast<float*>(w.grad) + start;
      if constexpr (kReducedParams) {
        widen(w.param + start, param_block, len);
        widen(w.grad + start, grad_block, len);
        if (writes && rounding.kahan) std::copy(param_block, param_block + len, old_block);
        param = param_block;
        grad = grad_block;
      }
      std::array<float*, kSlots> state{};
      for (size_t k = 0; k < kSlots; ++k) {
        if (w.state[k] == nullptr) continue;
        if (w.format[k] == kernels::kOpmath) {
          state[k] = static_cast<float*>(w.state[k]) + start;
        } else {
          codec.decode(w.state[k], w.format[k], w.numel, start, len, state_block[k]);
          state[k] = state_block[k];
        }
      }
      visit(Buffers<float, kSlots>{param, grad, state}, 0, len);
      if (!writes) continue;
      if constexpr (kReducedParams) {
        float* comp = rounding.kahan ? state[kSlots - 1] : nullptr;
        write_reduced_params(param_block, old_block, comp, rounding, w.index, start, len, w.param);
        if (writes_grad) narrow(grad_block, w.grad + start, len);
      }
      for (size_t k = 0; k < kSlots; ++k) {
        if (w.state[k] != nullptr && w.format[k] != kernels::kOpmath) {
          codec.encode(state[k], w.format[k], w.numel, start, len, w.state[k]);
        }
      }
    }
  }
}

#pragma GCC diagnostic pop

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
