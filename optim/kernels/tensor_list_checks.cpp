#include "tensor_list_checks.h"

namespace gradus {
namespace kernels {

at::ScalarType state_dtype_for(at::ScalarType param_dtype) {
  return (param_dtype == at::kHalf || param_dtype == at::kBFloat16) ? at::kFloat : param_dtype;
}

namespace {

void check_length(const char* op, const char* name, at::TensorList list, size_t expected) {
  TORCH_CHECK(list.size() == expected, op, ": ", name, " has ", list.size(),
              " tensors but params has ", expected);
}

void check_same_device(const char* op, const char* name, size_t i, const at::Tensor& t,
                       const at::Tensor& param0) {
  TORCH_CHECK(t.device() == param0.device(), op, ": ", name, "[", i, "] is on device ", t.device(),
              " but params[0] is on ", param0.device(), "; one call updates tensors of one device");
}

void check_param_and_grad(const char* op, size_t i, const at::Tensor& param, const at::Tensor& grad,
                          const at::Tensor& param0) {
  TORCH_CHECK(param.defined(), op, ": params[", i, "] is undefined");
  TORCH_CHECK(grad.defined(), op, ": grads[", i, "] is undefined");
  TORCH_CHECK(at::isFloatingType(param.scalar_type()), op, ": params[", i,
              "] has dtype ", param.scalar_type(), "; only floating-point parameters are supported");
  TORCH_CHECK(!grad.is_sparse(), op, ": grads[", i, "] is a sparse tensor; gradus optimizers ",
              "support dense gradients only");
  TORCH_CHECK(param.layout() == at::kStrided, op, ": params[", i, "] has layout ", param.layout());
  check_same_device(op, "params", i, param, param0);
  check_same_device(op, "grads", i, grad, param0);
  TORCH_CHECK(grad.scalar_type() == param.scalar_type(), op, ": grads[", i, "] has dtype ",
              grad.scalar_type(), " but params[", i, "] has dtype ", param.scalar_type());
  TORCH_CHECK(grad.sizes() == param.sizes(), op, ": grads[", i, "] has shape ", grad.sizes(),
              " but params[", i, "] has shape ", param.sizes());
}

void check_state(const char* op, const char* name, size_t i, const at::Tensor& state,
                 const at::Tensor& param, const at::Tensor& param0) {
  TORCH_CHECK(state.defined(), op, ": ", name, "[", i, "] is undefined");
  check_same_device(op, name, i, state, param0);
  const auto want = state_dtype_for(param.scalar_type());
  TORCH_CHECK(state.scalar_type() == want, op, ": ", name, "[", i, "] has dtype ",
              state.scalar_type(), " but a ", param.scalar_type(), " parameter keeps ", want, " state");
  TORCH_CHECK(state.sizes() == param.sizes(), op, ": ", name, "[", i, "] has shape ",
              state.sizes(), " but params[", i, "] has shape ", param.sizes());
  TORCH_CHECK(state.is_contiguous(), op, ": ", name, "[", i, "] must be contiguous");
}

void check_step(const char* op, size_t i, const at::Tensor& step, const at::Tensor& param0) {
  TORCH_CHECK(step.defined() && step.numel() == 1 && step.scalar_type() == at::kFloat, op,
              ": state_steps[", i, "] must be a one-element float32 tensor");
  check_same_device(op, "state_steps", i, step, param0);
}

}  // namespace

void check_fused_lists(const char* op, at::TensorList params, at::TensorList grads,
                       std::initializer_list<StateList> states, at::TensorList state_steps,
                       bool steps_required) {
  const size_t n = params.size();
  check_length(op, "grads", grads, n);
  for (const auto& s : states) {
    if (s.required || !s.tensors.empty()) check_length(op, s.name, s.tensors, n);
  }
  if (steps_required) check_length(op, "state_steps", state_steps, n);
  if (n == 0) return;
  const at::Tensor& param0 = params[0];
  for (size_t i = 0; i < n; ++i) {
    check_param_and_grad(op, i, params[i], grads[i], param0);
    for (const auto& s : states) {
      if (!s.tensors.empty()) check_state(op, s.name, i, s.tensors[i], params[i], param0);
    }
    if (steps_required) check_step(op, i, state_steps[i], param0);
  }
}

bool found_inf_set(const c10::optional<at::Tensor>& found_inf) {
  return found_inf.has_value() && found_inf->defined() && found_inf->item<double>() != 0;
}

}  // namespace kernels
}  // namespace gradus
