#pragma once
// at::parallel_for for gradus's own files. When ATen is built with OpenMP,
// parallel_for is an inline template over `#pragma omp parallel`: a file
// compiled without -fopenmp drops the pragma and runs every range on the
// calling thread, silently. Each file that includes this one must be in
// cmake/GradusLibrary.cmake's list of parallel sources, and this stops a
// build that forgets it.
#include <ATen/Config.h>
#include <ATen/Parallel.h>

#if AT_PARALLEL_OPENMP && !defined(_OPENMP)
#error "this file calls at::parallel_for: add it to gradus_parallel_sources in cmake/GradusLibrary.cmake (-fopenmp)"
#endif

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace gradus {

// Tensors per parallel task of a pass over a list's tensors (checks, state
// lookups, step counts): each tensor costs a cache miss or two, and a list
// shorter than this stays on the calling thread.
constexpr int64_t kTensorsPerTask = 512;

// Calls visit(i) for every i in [0, n), on every thread for lists longer
// than `per_task`: a pass over many small tensors waits on one cache miss
// per tensor, and two threads wait on two at once. visit(i) checks element
// i and records what it finds, and may run twice. If any call throws, all
// run again in order on this thread, so that the error is the first bad
// element's, as a serial loop would give.
template <class Visit>
void parallel_checked(size_t n, int64_t per_task, const Visit& visit) {
  std::atomic<bool> refused{false};
  at::parallel_for(0, static_cast<int64_t>(n), per_task, [&](int64_t begin, int64_t end) {
    try {
      for (int64_t i = begin; i < end; ++i) visit(static_cast<size_t>(i));
    } catch (...) {
      refused = true;
    }
  });
  if (refused) {
    for (size_t i = 0; i < n; ++i) visit(i);
  }
}

}  // namespace gradus
