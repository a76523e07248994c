#pragma once
// The ratio of two steps' times measured in alternation: a, b, b, a, a, b,
// ... so that both see the same machine. On a shared 2-core machine memory
// bandwidth drifts by 20% or more between benchmarks run one after the
// other; the ratio of each adjacent pair does not drift with it. Each call
// starts with malloc's freed blocks already sorted, so neither pays for the
// other's frees.
#include <functional>

namespace gradus {
namespace bench {

struct PairedRatio {
  double median, lower_quartile, upper_quartile;  // of time(a) / time(b), one per pair
};

// Times `pairs` pairs of one call of `a` and one of `b`, alternating which
// goes first, after one call of each to warm up.
PairedRatio paired_ratio(const std::function<void()>& a, const std::function<void()>& b, int pairs);

// One competing busy process (a spinning loop, as `yes > /dev/null`) for
// this object's lifetime: a machine where another program wants a core.
// It ends with this process, however that ends.
class BusyNeighbour {
 public:
  BusyNeighbour();
  ~BusyNeighbour();
  BusyNeighbour(const BusyNeighbour&) = delete;
  BusyNeighbour& operator=(const BusyNeighbour&) = delete;

 private:
  int pid_;
};

}  // namespace bench
}  // namespace gradus
