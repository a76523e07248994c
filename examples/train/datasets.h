#pragma once
// The three datasets gradus-train knows, as normalized float tensors.
#include <ATen/ATen.h>

#include <string>

namespace gradus {
namespace examples {

struct Dataset {
  std::string name;
  at::Tensor train_images, train_labels;  // float [N, C, H, W], int64 [N]
  at::Tensor test_images, test_labels;
};

// "mnist" (raw or .gz IDX files in `dir`), "fashion-mnist" (same format;
// Debian ships it gzipped in /usr/share/datasets/fashion-mnist) or "cifar10"
// (data_batch_1..5.bin and test_batch.bin in `dir` or its
// cifar-10-batches-bin folder).
Dataset load_dataset(const std::string& name, const std::string& dir);

// Where a dataset is read from when --data-dir is not given.
std::string default_data_dir(const std::string& name);

}  // namespace examples
}  // namespace gradus
