#pragma once
// The real MNIST that the example tests train on, read once per process.
#include "datasets.h"

namespace gradus {
namespace testing {

inline const examples::Dataset& mnist() {
  static const auto data = examples::load_dataset("mnist", GRADUS_MNIST_DIR);
  return data;
}

}  // namespace testing
}  // namespace gradus
