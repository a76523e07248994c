#pragma once
// New per-parameter state tensors, as the operators take them.
#include <ATen/core/Tensor.h>

#include <string>

namespace gradus {
namespace optim {

// Zero-filled optimizer state for `param`: contiguous, on its device, in its
// math dtype (float for half and bfloat16 parameters).
at::Tensor zeros_state_like(const at::Tensor& param);
at::Tensor full_state_like(const at::Tensor& param, double value);
// A new step counter (0) for `param`: a float32 scalar on its device.
at::Tensor new_step_count(const at::Tensor& param);
// New per-tensor scalar state (ops::scalar_names), e.g. a running product
// (1): a float32 scalar on `param`'s device, as PyTorch keeps it.
at::Tensor new_scalar_state(const at::Tensor& param, double value);

// Throws unless `tensor`, the state `name` of `which` read from a file,
// has `param`'s shape, dtype and device; the message names all three.
void check_state_tensor(const std::string& who, const std::string& which, const char* name, const at::Tensor& tensor,
                        const at::Tensor& param);

}  // namespace optim
}  // namespace gradus
