// ZeRO-1 Adam through the installed gradus::distributed: a job of one rank
// that meets through a FileStore (argv[1]), minimising the same quadratic.
#include <ATen/ATen.h>
#include <gradus/distributed/zero_redundancy_optimizer.h>
#include <gradus/optim/adam.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  gradus::distributed::ProcessGroupOptions options;
  options.init_method = std::string("file://") + argv[1];
  auto group = std::make_shared<gradus::distributed::ProcessGroup>(options);
  at::Tensor w = at::full({3}, 5.0).set_requires_grad(true);
  auto adam = gradus::distributed::make_zero_redundancy<gradus::optim::Adam>(std::vector<at::Tensor>{w},
                                                                             gradus::optim::AdamOptions(0.1), group);
  for (int i = 0; i < 300; ++i) {
    adam->zero_grad();
    (w - 1.0).pow(2).sum().backward();
    adam->step();
  }
  const double error = (w - 1.0).abs().max().item<double>();
  std::printf("ZeRO, 1 rank: max |w - 1| = %g\n", error);
  return error < 1e-2 ? 0 : 1;
}
