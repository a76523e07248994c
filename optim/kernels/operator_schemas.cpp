// The gradus operators, declared once each from its description
// (gradus/ops/<name>.h via optimizer_list.h; schema text: fused_call.cpp).
// Each backend registers its kernels with TORCH_LIBRARY_IMPL(gradus, <Backend>, m)
// in cpu/ or cuda/; the dispatcher routes a call by the device of its tensors.
//
// Every operator updates a list of parameters in one call, in place. Those
// with state_steps advance each step count by one and use the new value, so
// the first update sees step 1. With found_inf set (non-zero) the call
// changes nothing; with grad_scale the gradients are divided by it first and
// written back unscaled, as in PyTorch's fused optimizers. The .tensor_lr
// overloads read the lr from a one-element float32 tensor on the params'
// device, so a captured CUDA graph sees the lr a scheduler sets later.
#include <torch/library.h>

#include "fused_call.h"
#include "optimizer_list.h"

TORCH_LIBRARY(gradus, m) {
#define GRADUS_DEFINE_OPERATOR(Name)                                                     \
  m.def(gradus::kernels::schema_of<gradus::ops::Name##Hyper>(/*tensor_lr=*/false).c_str()); \
  m.def(gradus::kernels::schema_of<gradus::ops::Name##Hyper>(/*tensor_lr=*/true).c_str());
  GRADUS_FOR_EACH_OPERATOR(GRADUS_DEFINE_OPERATOR)
#undef GRADUS_DEFINE_OPERATOR
}
