#pragma once
// The four models gradus-train trains.
#include <torch/nn/modules/container/sequential.h>

#include <string>

namespace gradus {
namespace examples {

// "mlp": flatten, 784-128-10 (input C*H*W-128-10);
// "sparse-mlp": the same function with a sparse first layer, an EmbeddingBag
//   over the lit pixels whose weight ("...embedding.weight") has sparse
//   gradients, for SparseAdam;
// "cnn": a small LeNet-style convnet (two 5x5 conv + max-pool stages, two linear layers);
// "resnet": a small ResNet for 32x32 colour images (three residual stages, 16-32-64 channels).
torch::nn::Sequential make_model(const std::string& name, int64_t channels, int64_t height, int64_t width);

}  // namespace examples
}  // namespace gradus
