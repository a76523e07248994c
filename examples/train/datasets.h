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

// How many records of each split to keep, from the first (0: all).
struct Limits {
  int64_t train = 0, test = 0;
};

// The first `limit` records of t (all for 0).
inline at::Tensor first_records(const at::Tensor& t, int64_t limit) { return limit > 0 ? t.slice(0, 0, limit) : t; }

// "mnist" (raw or .gz IDX files in `dir`), "fashion-mnist" (same format;
// Debian ships it gzipped in /usr/share/datasets/fashion-mnist) or "cifar10"
// (data_batch_1..5.bin and test_batch.bin in `dir` or its
// cifar-10-batches-bin folder). Every file is read and checked whole; only
// the records `limits` keeps are converted to float (the whole MNIST
// training set is 188 MB of floats).
Dataset load_dataset(const std::string& name, const std::string& dir, Limits limits = {});

// Where a dataset is read from when --data-dir is not given.
std::string default_data_dir(const std::string& name);

}  // namespace examples
}  // namespace gradus
