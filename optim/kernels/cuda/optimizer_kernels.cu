// The CUDA kernels of every gradus operator (optimizer_list.h): the shared
// multi-tensor kernel instantiated with each operator's per-element math,
// the same headers the CPU loop uses.
#include "cuda/multi_tensor_apply.cuh"
#include "optimizer_list.h"

namespace gradus {
namespace cuda {

template <class Hyper>
const char* launch(const FusedLists& lists, const Hyper& hyper) {
  return launch_update<typename math::UpdateFor<Hyper>::type>(lists, hyper);
}

#define GRADUS_INSTANTIATE_CUDA(Name) \
  template const char* launch<ops::Name##Hyper>(const FusedLists&, const ops::Name##Hyper&);
GRADUS_FOR_EACH_OPERATOR(GRADUS_INSTANTIATE_CUDA)

}  // namespace cuda
}  // namespace gradus
