#include "models.h"

#include <cmath>

#include <torch/nn/module.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>

namespace gradus {
namespace examples {
namespace {

namespace nn = torch::nn;

// A ResNet basic block: two 3x3 conv + batch norm, with a 1x1 projection on
// the shortcut when the shape changes.
struct BasicBlockImpl : nn::Module {
  BasicBlockImpl(int64_t in, int64_t out, int64_t stride)
      : conv1(register_module("conv1", nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)))),
        bn1(register_module("bn1", nn::BatchNorm2d(out))),
        conv2(register_module("conv2", nn::Conv2d(nn::Conv2dOptions(out, out, 3).padding(1).bias(false)))),
        bn2(register_module("bn2", nn::BatchNorm2d(out))) {
    if (stride != 1 || in != out) {
      shortcut = register_module("shortcut", nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)),
                                                             nn::BatchNorm2d(out)));
    }
  }
  at::Tensor forward(const at::Tensor& x) {
    at::Tensor y = at::relu(bn1(conv1(x)));
    y = bn2(conv2(y));
    return at::relu(y + (shortcut ? shortcut->forward(x) : x));
  }
  nn::Conv2d conv1;
  nn::BatchNorm2d bn1;
  nn::Conv2d conv2;
  nn::BatchNorm2d bn2;
  nn::Sequential shortcut{nullptr};
};
TORCH_MODULE(BasicBlock);

// The first layer of an MLP as a sparse lookup: each image is the bag of its
// pixels above the batch's darkest value, weighted by how far above. The
// same function as Linear(inputs, out) (the bias absorbs the shift), but the
// weight's gradient is sparse: only the rows of pixels a batch lights up.
struct SparsePixelsImpl : nn::Module {
  SparsePixelsImpl(int64_t inputs, int64_t out)
      : embedding(register_module("embedding", nn::EmbeddingBag(nn::EmbeddingBagOptions(inputs, out)
                                                                     .mode(torch::kSum).sparse(true)))),
        bias(register_parameter("bias", at::empty({out}))) {
    // As Linear's, not Embedding's N(0, 1): a bag sums hundreds of rows.
    c10::NoGradGuard no_grad;
    const double bound = 1.0 / std::sqrt(double(inputs));
    embedding->weight.uniform_(-bound, bound);
    bias.uniform_(-bound, bound);
  }
  at::Tensor forward(const at::Tensor& x) {
    const at::Tensor flat = x.flatten(1);
    const at::Tensor lit = flat - flat.min();
    const at::Tensor where = lit.nonzero();  // (row, pixel), rows in order
    const at::Tensor counts = lit.ne(0).sum(1);
    const at::Tensor offsets = at::cat({at::zeros({1}, counts.options()), counts.cumsum(0).slice(0, 0, -1)});
    const at::Tensor weights = lit.index({where.select(1, 0), where.select(1, 1)});
    return embedding->forward(where.select(1, 1), offsets, weights) + bias;
  }
  nn::EmbeddingBag embedding;
  at::Tensor bias;
};
TORCH_MODULE(SparsePixels);

}  // namespace

torch::nn::Sequential make_model(const std::string& name, int64_t channels, int64_t height, int64_t width) {
  if (name == "mlp") {
    return nn::Sequential(nn::Flatten(), nn::Linear(channels * height * width, 128), nn::ReLU(), nn::Linear(128, 10));
  }
  if (name == "sparse-mlp") {
    return nn::Sequential(SparsePixels(channels * height * width, 128), nn::ReLU(), nn::Linear(128, 10));
  }
  if (name == "cnn") {
    return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(channels, 16, 5).padding(2)), nn::ReLU(), nn::MaxPool2d(2),
                          nn::Conv2d(nn::Conv2dOptions(16, 32, 5).padding(2)), nn::ReLU(), nn::MaxPool2d(2),
                          nn::Flatten(), nn::Linear(32 * (height / 4) * (width / 4), 128), nn::ReLU(),
                          nn::Linear(128, 10));
  }
  if (name == "resnet") {
    return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(channels, 16, 3).padding(1).bias(false)), nn::BatchNorm2d(16),
                          nn::ReLU(), BasicBlock(16, 16, 1), BasicBlock(16, 32, 2), BasicBlock(32, 64, 2),
                          nn::AdaptiveAvgPool2d(1), nn::Flatten(), nn::Linear(64, 10));
  }
  TORCH_CHECK(false, "unknown model '", name, "' (mlp, sparse-mlp, cnn or resnet)");
}

}  // namespace examples
}  // namespace gradus
