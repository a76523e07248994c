// Every gradus operator has a CUDA kernel registered with the dispatcher.
// Needs a CUDA-enabled LibTorch but no GPU: the dispatcher answers from its
// tables, so CI checks this in the trixie-cuda root (scripts/test-in-debian.sh).
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/ops/zeros.h>
#include <gtest/gtest.h>

#include <gradus/gradus.h>

#include <cstdio>
#include <string>
#include <vector>

namespace gradus {
namespace testing {
namespace {

std::vector<c10::OperatorName> gradus_operators() {
  std::vector<c10::OperatorName> names;
  for (const c10::OperatorName& name : c10::Dispatcher::singleton().getAllOpNames()) {
    if (name.name.rfind("gradus::", 0) == 0) names.push_back(name);
  }
  return names;
}

std::string text(const c10::OperatorName& name) {
  return name.overload_name.empty() ? name.name : name.name + "." + name.overload_name;
}

TEST(CudaRegistration, EveryGradusOperatorHasACpuAndACudaKernel) {
  // Uses the library, so that a linker with --as-needed (trixie's default)
  // keeps libgradus, whose static initializers register the operators.
  gradus::optim::Adam keeps_the_library_linked({at::zeros({1})});
  const auto names = gradus_operators();
  // sgd_, adam_, adagrad_, rmsprop_, adadelta_ and the .tensor_lr overloads.
  ASSERT_GE(names.size(), 5u) << "the gradus operators are not registered: is libgradus loaded?";
  for (const c10::OperatorName& name : names) {
    std::printf("checked %s\n", text(name).c_str());
    auto op = c10::Dispatcher::singleton().findOp(name);
    ASSERT_TRUE(op.has_value()) << text(name);
    EXPECT_TRUE(op->hasKernelForDispatchKey(c10::DispatchKey::CPU)) << text(name) << " has no CPU kernel";
    EXPECT_TRUE(op->hasKernelForDispatchKey(c10::DispatchKey::CUDA)) << text(name) << " has no CUDA kernel";
  }
}

}  // namespace
}  // namespace testing
}  // namespace gradus
