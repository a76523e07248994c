// Minimises a quadratic with gradus::optim::Adam through the installed package.
#include <ATen/ATen.h>
#include <gradus/gradus.h>

#include <cstdio>

int main() {
  at::Tensor w = at::full({3}, 5.0).set_requires_grad(true);
  gradus::optim::Adam adam({w}, gradus::optim::AdamOptions(0.1));
  for (int i = 0; i < 300; ++i) {
    adam.zero_grad();
    at::Tensor loss = (w - 1.0).pow(2).sum();
    loss.backward();
    adam.step();
  }
  const double error = (w - 1.0).abs().max().item<double>();
  std::printf("max |w - 1| = %g\n", error);
  return error < 1e-2 ? 0 : 1;
}
