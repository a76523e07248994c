#include "datasets.h"

#include <filesystem>

#include "data_files.h"

namespace gradus {
namespace examples {
namespace {

namespace fs = std::filesystem;

// file or file.gz, whichever exists (the plain name, for the error, if neither).
std::string idx_path(const std::string& dir, const std::string& stem) {
  const fs::path plain = fs::path(dir) / stem;
  if (fs::exists(plain)) return plain.string();
  const fs::path gz = fs::path(dir) / (stem + ".gz");
  return fs::exists(gz) ? gz.string() : plain.string();
}

at::Tensor normalized(const at::Tensor& bytes, at::ArrayRef<double> mean, at::ArrayRef<double> std) {
  at::Tensor x = bytes.to(at::kFloat).div_(255.0);
  const int64_t channels = x.size(1);
  at::Tensor m = at::tensor(mean.vec(), at::kFloat).view({1, channels, 1, 1});
  at::Tensor s = at::tensor(std.vec(), at::kFloat).view({1, channels, 1, 1});
  return x.sub_(m).div_(s);
}

Dataset load_idx_dataset(const std::string& name, const std::string& dir, double mean, double std, Limits limits) {
  auto images = [&](const std::string& stem) {
    at::Tensor raw = read_idx(idx_path(dir, stem));
    TORCH_CHECK(raw.dim() == 3, stem, ": expected images [N, rows, cols], got shape ", raw.sizes());
    return raw.unsqueeze(1);  // bytes: normalized once the limit has cut them
  };
  auto labels = [&](const std::string& stem) {
    const std::string path = idx_path(dir, stem);
    at::Tensor raw = read_idx(path);
    TORCH_CHECK(raw.dim() == 1, stem, ": expected labels [N], got shape ", raw.sizes());
    const at::Tensor bad = raw.ge(10).nonzero();
    TORCH_CHECK(bad.numel() == 0, path, ": record ", bad.numel() ? bad[0][0].item<int64_t>() : 0, " has label ",
                bad.numel() ? int(raw[bad[0][0]].item<uint8_t>()) : 0, ", expected 0 to 9");
    return raw.to(at::kLong);
  };
  const at::Tensor train_images = images("train-images-idx3-ubyte"), train_labels = labels("train-labels-idx1-ubyte");
  const at::Tensor test_images = images("t10k-images-idx3-ubyte"), test_labels = labels("t10k-labels-idx1-ubyte");
  TORCH_CHECK(train_images.size(0) == train_labels.size(0), dir, ": ", train_images.size(0), " training images but ",
              train_labels.size(0), " labels");
  TORCH_CHECK(test_images.size(0) == test_labels.size(0), dir, ": ", test_images.size(0), " test images but ",
              test_labels.size(0), " labels");
  return {name, normalized(first_records(train_images, limits.train), {mean}, {std}),
          first_records(train_labels, limits.train), normalized(first_records(test_images, limits.test), {mean}, {std}),
          first_records(test_labels, limits.test)};
}

Dataset load_cifar10(const std::string& dir_given, Limits limits) {
  std::string dir = dir_given;
  if (fs::exists(fs::path(dir) / "cifar-10-batches-bin")) dir = (fs::path(dir) / "cifar-10-batches-bin").string();
  std::vector<at::Tensor> images, labels;
  const auto batch_path = [&](int i) { return (fs::path(dir) / ("data_batch_" + std::to_string(i) + ".bin")).string(); };
  for (int i = 1; i <= 5; ++i) {
    auto batch = read_cifar10_batch(batch_path(i));
    // The official batches hold 10000 records each. A file cut at a record
    // boundary passes the record-size check; it cannot match its siblings.
    TORCH_CHECK(images.empty() || batch.labels.size(0) == labels[0].size(0), batch_path(i), ": ",
                batch.labels.size(0), " records, but ", batch_path(1), " has ", labels[0].size(0),
                " (the five training batches are the same size; truncated?)");
    images.push_back(batch.images);
    labels.push_back(batch.labels);
  }
  auto test = read_cifar10_batch((fs::path(dir) / "test_batch.bin").string());
  const std::vector<double> mean = {0.4914, 0.4822, 0.4465}, std = {0.2470, 0.2435, 0.2616};
  return {"cifar10", normalized(first_records(at::cat(images), limits.train), mean, std),
          first_records(at::cat(labels), limits.train), normalized(first_records(test.images, limits.test), mean, std),
          first_records(test.labels, limits.test)};
}

}  // namespace

std::string default_data_dir(const std::string& name) {
  if (name == "fashion-mnist") return "/usr/share/datasets/fashion-mnist";
  if (name == "cifar10") return "data/cifar10";
  return "data/mnist";
}

Dataset load_dataset(const std::string& name, const std::string& dir, Limits limits) {
  if (name == "mnist") return load_idx_dataset(name, dir, 0.1307, 0.3081, limits);
  if (name == "fashion-mnist") return load_idx_dataset(name, dir, 0.2860, 0.3530, limits);
  if (name == "cifar10") return load_cifar10(dir, limits);
  TORCH_CHECK(false, "unknown dataset '", name, "' (mnist, fashion-mnist or cifar10)");
}

}  // namespace examples
}  // namespace gradus
