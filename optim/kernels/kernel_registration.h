#pragma once
// What every backend's registration shares: a backend's `run` serves an
// operator and its .tensor_lr overload, each registered unboxed with the
// signature its description gives (operator_signature.h).
#include <torch/library.h>

#include <string>

#include "operator_signature.h"

namespace gradus {
namespace kernels {

template <class Hyper, void (*run)(FusedCall<Hyper>&)>
void register_kernel(torch::Library& m) {
  m.impl(Hyper::kName, typename OperatorSignature<Hyper, false>::template Kernel<run>{});
  m.impl((std::string(Hyper::kName) + ".tensor_lr").c_str(),
         typename OperatorSignature<Hyper, true>::template Kernel<run>{});
}

}  // namespace kernels
}  // namespace gradus
