#pragma once
// The parameter shapes of torchvision's resnet50(): the stem, 16 bottlenecks
// (4 with a downsample), fc; conv weights without bias, BatchNorm weight and
// bias. 161 tensors, 25,557,032 parameters: the list the benchmarks step.
#include <cstdint>
#include <vector>

namespace gradus {
namespace bench {

inline std::vector<std::vector<int64_t>> resnet50_shapes() {
  std::vector<std::vector<int64_t>> s = {{64, 3, 7, 7}, {64}, {64}};
  auto conv_bn = [&](int64_t out, int64_t in, int64_t k) {
    s.push_back({out, in, k, k});
    s.push_back({out});
    s.push_back({out});
  };
  int64_t inplanes = 64;
  const int64_t blocks[] = {3, 4, 6, 3};
  for (int layer = 0; layer < 4; ++layer) {
    const int64_t width = 64 << layer;
    for (int64_t b = 0; b < blocks[layer]; ++b) {
      conv_bn(width, inplanes, 1);
      conv_bn(width, width, 3);
      conv_bn(width * 4, width, 1);
      if (b == 0) conv_bn(width * 4, inplanes, 1);  // downsample
      inplanes = width * 4;
    }
  }
  s.push_back({1000, 2048});
  s.push_back({1000});
  return s;
}

}  // namespace bench
}  // namespace gradus
