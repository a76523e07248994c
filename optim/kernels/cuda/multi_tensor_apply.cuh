#pragma once
// The multi-tensor kernel every gradus CUDA optimizer uses. One launch
// updates many tensors: the kernel arguments carry up to kMaxTensors tensor
// addresses and up to kMaxBlocks (tensor, chunk) pairs (launch_plan.h).
// Each thread handles kILP elements at a time, with vector loads when every
// pointer of the tensor is 16-byte aligned, scalar loads otherwise.
#include <cfloat>

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "cuda/formatted_update.cuh"
#include "cuda/fused_launch.h"
#include "cuda/lanes.cuh"
#include "cuda/launch_plan.h"
#include "math/update_interface.h"

namespace gradus {
namespace cuda {

constexpr int kBlockSize = 512;
// Kernel arguments: CUDA 12.1 raised their limit from 4 KiB to 32 KiB on
// Volta and newer (cmake/GradusCuda.cmake defines GRADUS_CUDA_SMALL_ARGUMENTS
// when an older architecture is built). At 4 KiB a launch covered
// 320 blocks and 40 Adam tensors, so ResNet-50's 161 tensors took six launches
// of a few hundred blocks each, too few to fill an H200 (48% of copy
// bandwidth, against 86% on large tensors). 256 bytes go to the Hyper values
// and pointers, 6 bytes per block to the block tables, and per tensor 8 bytes
// for each address (param, grad, state slots, step, per-tensor scalars), its
// size and, for updates with reductions, its first partial sum, then its
// place in the call and a byte per slot for the state's format.
#if defined(CUDART_VERSION) && CUDART_VERSION >= 12010 && !defined(GRADUS_CUDA_SMALL_ARGUMENTS)
constexpr int kArgumentBytes = 32764;
constexpr int kMaxBlocks = 2048;
#else
constexpr int kArgumentBytes = 4096;
constexpr int kMaxBlocks = 320;
#endif
template <int kSlots, int kScalars, int kReductions>
constexpr int kMaxTensors =
    (kArgumentBytes - 256 - kMaxBlocks * 6) / (8 * (kSlots + kScalars + 4 + (kReductions > 0 ? 1 : 0)) + 4 + kSlots);

// Per-tensor scalar addresses, for the updates that have such scalars.
template <int kScalars, int kTensors>
struct ScalarPointers {
  float* scalars[kScalars][kTensors];
};
template <int kTensors>
struct ScalarPointers<0, kTensors> {};

// Updates with reductions: where each tensor's chunks keep their partial
// sums in FusedLists::partials (chunk c of the tensor at chunk_base + c).
template <int kReductions, int kTensors>
struct ChunkBases {
  int64_t chunk_base[kTensors];
};
template <int kTensors>
struct ChunkBases<0, kTensors> {};

template <int kSlots, int kScalars, int kReductions>
struct TensorListMeta : ScalarPointers<kScalars, kMaxTensors<kSlots, kScalars, kReductions>>,
                        ChunkBases<kReductions, kMaxTensors<kSlots, kScalars, kReductions>> {
  static constexpr int kTensors = kMaxTensors<kSlots, kScalars, kReductions>;
  void* params[kTensors];
  void* grads[kTensors];
  void* state[kSlots][kTensors];
  float* steps[kTensors];
  int64_t numel[kTensors];
  int32_t index[kTensors];           // the tensor's place in the call (keys stochastic rounding)
  uint8_t format[kSlots][kTensors];  // kernels::StateFormat
  int16_t block_tensor[kMaxBlocks];
  int32_t block_chunk[kMaxBlocks];
};
template <class Update>
using MetaFor = TensorListMeta<Update::kSlots, math::kScalarsOf<Update>, math::kReductionsOf<Update>>;

// A step that moves nothing: one GradScaler found inf or NaN in, or whose
// device lr is NaN, infinite or negative. Reading the device lr on the host
// would cost a sync and break graph capture; a host lr and set_lr() values
// are refused with an error before this point instead.
__device__ __forceinline__ bool skips_step(const float* lr, const float* found_inf) {
  if (found_inf != nullptr && *found_inf != 0.f) return true;
  return lr != nullptr && !(*lr >= 0.f && *lr <= FLT_MAX);
}

// One block's chunk: which tensor, which elements, its buffers and the
// coefficients of its step (not yet finished, for updates with reductions).
template <typename Update, typename param_t, typename opmath_t>
struct BlockChunk {
  int t;
  int64_t chunk, len;
  param_t* param;
  param_t* grad;
  opmath_t* state[Update::kSlots];  // state in the math type, from the chunk's start; else null
  bool vector;  // param, grad and those states 16-byte aligned, and len a multiple of kILP
  typename Update::template Coeffs<opmath_t> coeffs;
  // The low-precision formats (cuda/formatted_update.cuh): each used state
  // tensor from its first element, in its format; the chunk's first element.
  void* raw[Update::kSlots];
  uint8_t format[Update::kSlots];
  int64_t start, numel;
  int32_t index;
  bool formatted;  // some state in another format, or stochastic rounding
};

template <typename Update, typename param_t, typename opmath_t>
__device__ __forceinline__ BlockChunk<Update, param_t, opmath_t> block_chunk(const MetaFor<Update>& meta,
                                                                             typename Update::Hyper hyper,
                                                                             const float* lr) {
  const int t = meta.block_tensor[blockIdx.x];
  const int64_t chunk = meta.block_chunk[blockIdx.x];
  const int64_t start = chunk * kChunkSize;
  if (lr != nullptr) hyper.lr = *lr;
  // The step the math sees: the count as advanced after this kernel.
  const double step = meta.steps[t] != nullptr ? double(*meta.steps[t]) + 1 : 0;
  // The per-tensor scalars as the step starts; advance_steps writes the new ones.
  float before[math::kScalarsOf<Update> + 1];
  if constexpr (math::kScalarsOf<Update> > 0) {
#pragma unroll
    for (int k = 0; k < math::kScalarsOf<Update>; ++k) before[k] = *meta.scalars[k][t];
  }
  BlockChunk<Update, param_t, opmath_t> b{t, chunk, min(kChunkSize, meta.numel[t] - start),
                                         static_cast<param_t*>(meta.params[t]) + start,
                                         static_cast<param_t*>(meta.grads[t]) + start, {}, false,
                                         math::coeffs_for<Update, opmath_t>(hyper, step, before)};
  b.vector = aligned16(b.param) && aligned16(b.grad) && b.len % kILP == 0;
  b.start = start;
  b.numel = meta.numel[t];
  b.index = meta.index[t];
  b.formatted = !std::is_same<param_t, opmath_t>::value && rounding_of(hyper).stochastic;
#pragma unroll
  for (int k = 0; k < Update::kSlots; ++k) {
    b.raw[k] = meta.state[k][t];
    b.format[k] = meta.format[k][t];
    b.formatted = b.formatted || b.format[k] != kernels::kOpmath;
    const bool plain = b.raw[k] != nullptr && b.format[k] == kernels::kOpmath;
    b.state[k] = plain ? static_cast<opmath_t*>(b.raw[k]) + start : nullptr;
    b.vector = b.vector && (b.state[k] == nullptr || aligned16(b.state[k]));
  }
  return b;
}

// The kILP elements at `offset` of a block's chunk, unscaled (AMP); state
// in another format as floats. `vector`: b.vector, and offset < b.len.
template <typename Update, typename param_t, typename opmath_t>
__device__ __forceinline__ void load_elements(const BlockChunk<Update, param_t, opmath_t>& b, int64_t offset,
                                              const float* grad_scale, opmath_t* p, opmath_t* g,
                                              opmath_t (*s)[kILP], bool vector) {
  load_lane(p, b.param, offset, b.len, vector);
  load_lane(g, b.grad, offset, b.len, vector);
#pragma unroll
  for (int k = 0; k < Update::kSlots; ++k) {
    if (b.state[k]) {
      load_lane(s[k], b.state[k], offset, b.len, vector);
    } else if constexpr (std::is_same<opmath_t, float>::value) {
      load_state(s[k], b.raw[k], b.raw[k] ? b.format[k] : kernels::kOpmath, b.numel, b.start + offset,
                 b.raw[k] ? valid_of(offset, b.len) : 0);
    } else {
      for (int i = 0; i < kILP; ++i) s[k][i] = opmath_t(0);
    }
  }
  if (grad_scale != nullptr) {
#pragma unroll
    for (int i = 0; i < kILP; ++i) g[i] = g[i] / opmath_t(*grad_scale);
  }
}

// Updates with reductions, first: each block sums its chunk's terms
// (Update::reduce) and writes one partial sum per reduction, in a fixed
// order of threads, so the totals are the same from run to run.
template <typename Update, typename param_t, typename opmath_t>
__global__ void __launch_bounds__(kBlockSize)
    multi_tensor_reduce(MetaFor<Update> meta, typename Update::Hyper hyper, const float* lr, const float* grad_scale,
                        const float* found_inf, double* partials) {
  constexpr int kReductions = math::kReductionsOf<Update>;
  if constexpr (kReductions > 0) {
    if (skips_step(lr, found_inf)) return;
    const auto b = block_chunk<Update, param_t, opmath_t>(meta, hyper, lr);
    opmath_t sums[kReductions];
#pragma unroll
    for (int k = 0; k < kReductions; ++k) sums[k] = opmath_t(0);
    for (int64_t offset = int64_t(threadIdx.x) * kILP; offset < b.len; offset += int64_t(blockDim.x) * kILP) {
      opmath_t p[kILP], g[kILP], s[Update::kSlots][kILP];
      load_elements(b, offset, grad_scale, p, g, s, b.vector);
#pragma unroll
      for (int i = 0; i < kILP; ++i) {
        if (offset + i >= b.len) break;  // padding lanes add nothing
        opmath_t lane_state[Update::kSlots];
#pragma unroll
        for (int k = 0; k < Update::kSlots; ++k) lane_state[k] = s[k][i];
        Update::reduce(p[i], g[i], lane_state, b.coeffs, sums);
      }
    }
    __shared__ double shared[kReductions][kBlockSize];
#pragma unroll
    for (int k = 0; k < kReductions; ++k) shared[k][threadIdx.x] = double(sums[k]);
    __syncthreads();
    for (int width = kBlockSize / 2; width > 0; width /= 2) {
      if (int(threadIdx.x) < width) {
#pragma unroll
        for (int k = 0; k < kReductions; ++k) shared[k][threadIdx.x] += shared[k][threadIdx.x + width];
      }
      __syncthreads();
    }
    if (int(threadIdx.x) < kReductions) {
      partials[(meta.chunk_base[b.t] + b.chunk) * kReductions + threadIdx.x] = shared[threadIdx.x][0];
    }
  }
}

// A tensor's totals: its chunks' partial sums, added in chunk order.
template <typename Update, typename param_t, typename opmath_t>
__device__ __forceinline__ void finish_block_coeffs(const MetaFor<Update>& meta, const double* partials,
                                                    BlockChunk<Update, param_t, opmath_t>& b) {
  constexpr int kReductions = math::kReductionsOf<Update>;
  if constexpr (kReductions > 0) {
    __shared__ double totals[kReductions];
    if (int(threadIdx.x) < kReductions) {
      const int64_t chunks = (meta.numel[b.t] + kChunkSize - 1) / kChunkSize;
      double total = 0;
      for (int64_t c = 0; c < chunks; ++c) total += partials[(meta.chunk_base[b.t] + c) * kReductions + threadIdx.x];
      totals[threadIdx.x] = total;
    }
    __syncthreads();
    math::finish_coeffs<Update, opmath_t>(b.coeffs, totals, double(meta.numel[b.t]));
  }
}

static_assert(kChunkSize % math::kQuantBlock == 0, "a chunk is whole int8 blocks");

// The update of a chunk with state in low-precision formats or params
// rounded stochastically: each warp takes whole int8 blocks (kSpans spans
// of kWarpSpan elements), so that it can encode them after the update.
template <typename Update, typename param_t>
__device__ void update_formatted(BlockChunk<Update, param_t, float>& b, const Rounding& r, const float* grad_scale) {
  constexpr int kSlots = Update::kSlots;
  const int lane = static_cast<int>(threadIdx.x % kWarpSize);
  const int64_t warps = blockDim.x / kWarpSize;
  // The loop's bound is the same for a warp's lanes: all of them reach the shuffles.
  for (int64_t base = int64_t(threadIdx.x / kWarpSize) * math::kQuantBlock; base < b.len;
       base += warps * math::kQuantBlock) {
    float s[kSpans][kSlots][kILP];
    int valid[kSpans];
#pragma unroll
    for (int h = 0; h < kSpans; ++h) {
      const int64_t offset = base + h * kWarpSpan + lane * kILP;
      const bool vector = b.vector && offset < b.len;
      valid[h] = valid_of(offset, b.len);
      float p[kILP], g[kILP], old[kILP];
      load_elements(b, offset, grad_scale, p, g, s[h], vector);
      if (grad_scale != nullptr) store_lane(b.grad, g, offset, b.len, vector);
#pragma unroll
      for (int i = 0; i < kILP; ++i) {
        old[i] = p[i];
        float lane_state[kSlots];
#pragma unroll
        for (int k = 0; k < kSlots; ++k) lane_state[k] = s[h][k][i];
        Update::apply(p[i], g[i], lane_state, b.coeffs);
#pragma unroll
        for (int k = 0; k < kSlots; ++k) s[h][k][i] = lane_state[k];
      }
      float* comp = r.kahan && b.raw[kSlots - 1] != nullptr ? s[h][kSlots - 1] : nullptr;
      store_params(b.param, offset, b.len, vector, p, old, comp, r, b.index, b.start + offset);
#pragma unroll
      for (int k = 0; k < kSlots; ++k) {
        if (b.raw[k] != nullptr && b.format[k] != kernels::kQuant8State) {
          store_state(s[h][k], b.raw[k], b.format[k], b.start + offset, valid[h]);
        }
      }
    }
#pragma unroll
    for (int k = 0; k < kSlots; ++k) {
      if (b.raw[k] == nullptr || b.format[k] != kernels::kQuant8State) continue;
      float x[kSpans][kILP];
#pragma unroll
      for (int h = 0; h < kSpans; ++h) {
#pragma unroll
        for (int i = 0; i < kILP; ++i) x[h][i] = s[h][k][i];
      }
      store_q8_block(x, valid, b.raw[k], b.numel, (b.start + base) / math::kQuantBlock);
    }
  }
}

// Update: struct { using Hyper; template <class T> using Coeffs; static constexpr int kSlots;
//   __device__ static void apply(T& p, T& g, T* state, const Coeffs<T>&); } (math/<name>_math.h)
template <typename Update, typename param_t, typename opmath_t>
__global__ void __launch_bounds__(kBlockSize)
    multi_tensor_update(MetaFor<Update> meta, typename Update::Hyper hyper, const float* lr, const float* grad_scale,
                        const float* found_inf, const double* partials) {
  if (skips_step(lr, found_inf)) return;
  auto b = block_chunk<Update, param_t, opmath_t>(meta, hyper, lr);
  finish_block_coeffs(meta, partials, b);
  if constexpr (std::is_same<opmath_t, float>::value) {
    if (b.formatted) return update_formatted(b, rounding_of(hyper), grad_scale);
  }
  for (int64_t offset = int64_t(threadIdx.x) * kILP; offset < b.len; offset += int64_t(blockDim.x) * kILP) {
    opmath_t p[kILP], g[kILP], s[Update::kSlots][kILP];
    load_elements(b, offset, grad_scale, p, g, s, b.vector);
    if (grad_scale != nullptr) store_lane(b.grad, g, offset, b.len, b.vector);
#pragma unroll
    for (int i = 0; i < kILP; ++i) {
      opmath_t lane_state[Update::kSlots];
#pragma unroll
      for (int k = 0; k < Update::kSlots; ++k) lane_state[k] = s[k][i];
      Update::apply(p[i], g[i], lane_state, b.coeffs);
#pragma unroll
      for (int k = 0; k < Update::kSlots; ++k) s[k][i] = lane_state[k];
    }
    store_lane(b.param, p, offset, b.len, b.vector);
#pragma unroll
    for (int k = 0; k < Update::kSlots; ++k) {
      if (b.state[k]) store_lane(b.state[k], s[k], offset, b.len, b.vector);
    }
  }
}

// Advances each step count by one, and each per-tensor scalar from the
// values the update kernels read, after every update kernel of the call.
template <int kScalars>
constexpr int kMaxSteps = (kArgumentBytes - 512) / (8 * (1 + kScalars));
template <int kScalars>
struct StepList : ScalarPointers<kScalars, kMaxSteps<kScalars>> {
  static constexpr int kMax = kMaxSteps<kScalars>;
  float* steps[kMax];
  int count;
};

template <typename Update>
__global__ void advance_steps(StepList<math::kScalarsOf<Update>> list, typename Update::Hyper hyper, const float* lr,
                              const float* found_inf) {
  constexpr int kScalars = math::kScalarsOf<Update>;
  if (skips_step(lr, found_inf)) return;
  if constexpr (kScalars > 0) {
    if (lr != nullptr) hyper.lr = *lr;  // advance() may read it
  }
  for (int i = threadIdx.x; i < list.count; i += blockDim.x) {
    const float step = *list.steps[i] + 1.f;
    if constexpr (kScalars > 0) {
      float scalars[kScalars];
      for (int k = 0; k < kScalars; ++k) scalars[k] = *list.scalars[k][i];
      math::advance_scalars<Update>(hyper, step, scalars);
      for (int k = 0; k < kScalars; ++k) *list.scalars[k][i] = scalars[k];
    }
    *list.steps[i] = step;
  }
}

// Null, or the error of the last launch.
inline const char* launch_error() {
  const cudaError_t error = cudaGetLastError();
  return error == cudaSuccess ? nullptr : cudaGetErrorString(error);
}

template <typename Update, typename param_t, typename opmath_t>
const char* launch_typed(const FusedLists& lists, const typename Update::Hyper& hyper) {
  constexpr int kSlots = Update::kSlots;
  constexpr int kScalars = math::kScalarsOf<Update>;
  constexpr int kReductions = math::kReductionsOf<Update>;
  using Meta = MetaFor<Update>;
  static_assert(sizeof(Meta) + sizeof(hyper) + 4 * sizeof(void*) <= kArgumentBytes, "kernel arguments over the limit");
  static_assert(sizeof(StepList<kScalars>) + sizeof(hyper) + 2 * sizeof(void*) <= kArgumentBytes,
                "kernel arguments over the limit");
  auto stream = static_cast<cudaStream_t>(lists.stream);
  std::vector<int64_t> chunk_base(lists.numels.size(), 0);  // the call's chunks, tensor by tensor
  for (size_t t = 1; t < chunk_base.size(); ++t) {
    chunk_base[t] = chunk_base[t - 1] + (lists.numels[t - 1] + kChunkSize - 1) / kChunkSize;
  }
  const std::vector<LaunchWork> plan = plan_launches(lists.numels, kChunkSize, Meta::kTensors, kMaxBlocks);
  std::vector<Meta> metas;
  for (const LaunchWork& work : plan) {
    Meta meta{};
    for (size_t i = 0; i < work.tensors.size(); ++i) {
      const int32_t t = work.tensors[i];
      meta.params[i] = lists.params[t];
      meta.grads[i] = lists.grads[t];
      for (int k = 0; k < kSlots; ++k) meta.state[k][i] = lists.state[k].empty() ? nullptr : lists.state[k][t];
      meta.steps[i] = lists.steps.empty() ? nullptr : lists.steps[t];
      if constexpr (kScalars > 0) {
        for (int k = 0; k < kScalars; ++k) meta.scalars[k][i] = lists.scalars[k][t];
      }
      if constexpr (kReductions > 0) meta.chunk_base[i] = chunk_base[t];
      meta.numel[i] = lists.numels[t];
      meta.index[i] = t;
      for (int k = 0; k < kSlots; ++k) meta.format[k][i] = lists.state[k].empty() ? 0 : lists.state_formats[k][t];
    }
    for (size_t b = 0; b < work.blocks.size(); ++b) {
      meta.block_tensor[b] = int16_t(work.blocks[b].slot);
      meta.block_chunk[b] = int32_t(work.blocks[b].chunk);
    }
    metas.push_back(meta);
  }
  // Every partial sum is written before any tensor moves: a tensor's chunks
  // may span launches.
  auto blocks_of = [&](size_t l) { return unsigned(plan[l].blocks.size()); };
  if constexpr (kReductions > 0) {
    for (size_t l = 0; l < metas.size(); ++l) {
      multi_tensor_reduce<Update, param_t, opmath_t><<<blocks_of(l), kBlockSize, 0, stream>>>(
          metas[l], hyper, lists.lr, lists.grad_scale, lists.found_inf, lists.partials);
      if (const char* error = launch_error()) return error;
    }
  }
  for (size_t l = 0; l < metas.size(); ++l) {
    multi_tensor_update<Update, param_t, opmath_t><<<blocks_of(l), kBlockSize, 0, stream>>>(
        metas[l], hyper, lists.lr, lists.grad_scale, lists.found_inf, lists.partials);
    if (const char* error = launch_error()) return error;
  }
  using Steps = StepList<kScalars>;
  for (size_t first = 0; first < lists.steps.size(); first += Steps::kMax) {
    Steps list{};
    list.count = int(std::min(lists.steps.size() - first, size_t(Steps::kMax)));
    for (int i = 0; i < list.count; ++i) {
      list.steps[i] = lists.steps[first + i];
      if constexpr (kScalars > 0) {
        for (int k = 0; k < kScalars; ++k) list.scalars[k][i] = lists.scalars[k][first + i];
      }
    }
    advance_steps<Update><<<1, 256, 0, stream>>>(list, hyper, lists.lr, lists.found_inf);
    if (const char* error = launch_error()) return error;
  }
  return nullptr;
}

// Dispatch on the parameter type: float math and float state for float,
// half and bfloat16; double for double.
template <typename Update>
const char* launch_update(const FusedLists& lists, const typename Update::Hyper& hyper) {
  switch (lists.param_type) {
    case ParamType::kFloat: return launch_typed<Update, float, float>(lists, hyper);
    case ParamType::kDouble: return launch_typed<Update, double, double>(lists, hyper);
    case ParamType::kHalf: return launch_typed<Update, __half, float>(lists, hyper);
    case ParamType::kBFloat16: return launch_typed<Update, __nv_bfloat16, float>(lists, hyper);
  }
  return "unknown parameter type";
}

}  // namespace cuda
}  // namespace gradus
