#include "paired_ratio.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace gradus {
namespace bench {
namespace {

// Leaves malloc as it would be after a large allocation. glibc sorts its
// freed small chunks (its fastbins) only at the next malloc of 1 KB or more,
// so whichever step comes first after a step that freed many small blocks
// pays for them: the built-in frees some ten temporaries per tensor, and on
// 10,000 tensors sorting them took some 40 ms of the gradus step timed after
// it. Each timed call starts after this, so each pays only for its own.
void settle_allocator() {
  void* volatile block = std::malloc(4096);
  std::free(block);
}

double seconds_of(const std::function<void()>& call) {
  settle_allocator();
  const auto start = std::chrono::steady_clock::now();
  call();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The q-quantile of sorted values, interpolated between neighbours.
double quantile(const std::vector<double>& sorted, double q) {
  const double at = q * double(sorted.size() - 1);
  const size_t below = static_cast<size_t>(at);
  const size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (at - double(below)) * (sorted[above] - sorted[below]);
}

}  // namespace

PairedRatio paired_ratio(const std::function<void()>& a, const std::function<void()>& b, int pairs) {
  if (pairs < 1) throw std::invalid_argument("paired_ratio needs at least one pair, got " + std::to_string(pairs));
  a();
  b();
  std::vector<double> ratios;
  for (int i = 0; i < pairs; ++i) {
    double a_s, b_s;
    if (i % 2 == 0) {
      a_s = seconds_of(a);
      b_s = seconds_of(b);
    } else {
      b_s = seconds_of(b);
      a_s = seconds_of(a);
    }
    ratios.push_back(a_s / b_s);
  }
  std::sort(ratios.begin(), ratios.end());
  return {quantile(ratios, 0.5), quantile(ratios, 0.25), quantile(ratios, 0.75)};
}

BusyNeighbour::BusyNeighbour() : pid_(fork()) {
  if (pid_ < 0) throw std::runtime_error("cannot start the busy neighbour");
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    volatile unsigned long spin = 0;
    for (;;) spin = spin + 1;
  }
}

BusyNeighbour::~BusyNeighbour() {
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

}  // namespace bench
}  // namespace gradus
