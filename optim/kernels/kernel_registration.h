#pragma once
// What every backend's registration shares: one boxed kernel serves an
// operator and its .tensor_lr overload (the kernel tells them apart by the
// schema it is called with).
#include <ATen/core/stack.h>
#include <torch/library.h>

#include <string>

namespace gradus {
namespace kernels {

template <class Hyper, void (*kernel)(const c10::OperatorHandle&, torch::jit::Stack*)>
void register_kernel(torch::Library& m) {
  m.impl(Hyper::kName, torch::CppFunction::makeFromBoxedFunction<kernel>());
  m.impl((std::string(Hyper::kName) + ".tensor_lr").c_str(), torch::CppFunction::makeFromBoxedFunction<kernel>());
}

}  // namespace kernels
}  // namespace gradus
