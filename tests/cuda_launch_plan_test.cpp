// The CUDA kernels' host-side chunking, checked on CPU: every element of
// every tensor is covered by exactly one block, within the launch limits.
#include <gtest/gtest.h>

#include <map>
#include <numeric>

#include <c10/util/Exception.h>

#include "cuda/launch_plan.h"

namespace gradus {
namespace testing {
namespace {

using cuda::plan_launches;

void expect_exact_cover(const std::vector<int64_t>& numels, int64_t chunk, int32_t max_tensors, int32_t max_blocks) {
  const auto launches = plan_launches(numels, chunk, max_tensors, max_blocks);
  std::map<int32_t, std::vector<int64_t>> chunks_of;
  for (const auto& launch : launches) {
    EXPECT_LE(int32_t(launch.tensors.size()), max_tensors);
    EXPECT_LE(int32_t(launch.blocks.size()), max_blocks);
    EXPECT_FALSE(launch.blocks.empty());
    for (const auto& block : launch.blocks) {
      ASSERT_LT(size_t(block.slot), launch.tensors.size());
      chunks_of[launch.tensors[block.slot]].push_back(block.chunk);
    }
  }
  for (size_t t = 0; t < numels.size(); ++t) {
    const int64_t expected = (numels[t] + chunk - 1) / chunk;
    const auto& got = chunks_of[int32_t(t)];
    ASSERT_EQ(int64_t(got.size()), expected) << "tensor " << t;
    for (int64_t c = 0; c < expected; ++c) EXPECT_EQ(got[c], c) << "tensor " << t;  // in order, once each
  }
}

TEST(CudaLaunchPlan, ResNet50ShapedListCoveredOnce) {
  // 161 tensors of mixed sizes, as many as a ResNet-50 has.
  std::vector<int64_t> numels;
  for (int i = 0; i < 53; ++i) numels.push_back(int64_t(64) * 64 * 9 * (1 + i % 8));
  for (int i = 0; i < 106; ++i) numels.push_back(64 * (1 + i % 32));
  numels.push_back(2048 * 1000);
  numels.push_back(1000);
  expect_exact_cover(numels, 65536, 34, 320);
}

TEST(CudaLaunchPlan, TensorSpanningLaunchesAndEmptyTensors) {
  expect_exact_cover({0, 5, 65536 * 700 + 3, 0, 1, 65536}, 65536, 4, 320);
  expect_exact_cover({10, 10, 10, 10, 10}, 4, 2, 3);
  EXPECT_TRUE(plan_launches({0, 0}, 65536, 8, 320).empty());
}

TEST(CudaLaunchPlan, SixtyFourBitSizes) {
  // 5e9 elements: more chunks than a 32-bit count of elements could index.
  const auto launches = plan_launches({int64_t(5'000'000'000)}, 65536, 34, 320);
  int64_t blocks = 0;
  for (const auto& l : launches) blocks += int64_t(l.blocks.size());
  EXPECT_EQ(blocks, (int64_t(5'000'000'000) + 65535) / 65536);
  EXPECT_EQ(launches.back().blocks.back().chunk, blocks - 1);
}

TEST(CudaLaunchPlan, BadLimitsAreRefused) {
  EXPECT_THROW(plan_launches({1}, 0, 1, 1), c10::Error);
  EXPECT_THROW(plan_launches({-1}, 4, 1, 1), c10::Error);
}

}  // namespace
}  // namespace testing
}  // namespace gradus
