#pragma once
// Readers of the datasets' own file formats. Every error names the file and
// what was expected.
#include <ATen/ATen.h>

#include <string>

namespace gradus {
namespace examples {

// An IDX file (MNIST, Fashion-MNIST): labels (magic 0x00000801) or images
// (0x00000803), raw or gzipped (a path ending in .gz). Returns a uint8
// tensor shaped as the header says.
at::Tensor read_idx(const std::string& path);

// One CIFAR-10 binary batch file: records of 1 label byte + 3072 pixel bytes
// (1024 red, 1024 green, 1024 blue, row-major 32x32).
struct Cifar10Batch {
  at::Tensor images;  // uint8 [N, 3, 32, 32]
  at::Tensor labels;  // int64 [N]
};
Cifar10Batch read_cifar10_batch(const std::string& path);

// The whole file's bytes, gunzipped when the path ends in .gz.
std::string read_file_bytes(const std::string& path);

}  // namespace examples
}  // namespace gradus
