// Registers the CUDA kernels as the gradus operators' CUDA implementations:
// tensor lists in, raw pointers to cuda/fused_launch.h out. Built only when
// Torch has CUDA.
#include <ATen/ATen.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/library.h>

#include "cuda/fused_launch.h"
#include "tensor_list_checks.h"

namespace gradus {
namespace cuda {
namespace {

using OptionalTensor = c10::optional<at::Tensor>;

ParamType param_type_of(const char* op, at::ScalarType t) {
  switch (t) {
    case at::kFloat: return ParamType::kFloat;
    case at::kDouble: return ParamType::kDouble;
    case at::kHalf: return ParamType::kHalf;
    case at::kBFloat16: return ParamType::kBFloat16;
    default: TORCH_CHECK(false, op, ": CUDA kernels take float, double, half or bfloat16 parameters, not ", t);
  }
}

const float* scalar_pointer(const char* op, const char* name, const OptionalTensor& t, const at::Device& device) {
  if (!t.has_value() || !t->defined()) return nullptr;
  TORCH_CHECK(t->device() == device && t->scalar_type() == at::kFloat && t->numel() == 1, op, ": ", name,
              " must be a one-element float32 tensor on ", device, ", got ", t->scalar_type(), " on ", t->device());
  return t->data_ptr<float>();
}

// All lists already passed check_fused_lists.
FusedLists lists_of(const char* op, at::TensorList params, at::TensorList grads,
                    std::initializer_list<at::TensorList> states, at::TensorList steps,
                    const OptionalTensor& grad_scale, const OptionalTensor& found_inf) {
  FusedLists lists;
  const at::Device device = params[0].device();
  lists.param_type = param_type_of(op, params[0].scalar_type());
  for (size_t i = 0; i < params.size(); ++i) {
    TORCH_CHECK(params[i].scalar_type() == params[0].scalar_type(), op, ": params[", i, "] has dtype ",
                params[i].scalar_type(), " but params[0] has ", params[0].scalar_type());
    TORCH_CHECK(params[i].is_contiguous() && grads[i].is_contiguous(), op, ": params[", i, "] and grads[", i,
                "] must be contiguous on CUDA");
    lists.params.push_back(params[i].data_ptr());
    lists.grads.push_back(grads[i].data_ptr());
    lists.numels.push_back(params[i].numel());
  }
  size_t k = 0;
  for (at::TensorList state : states) {
    for (const at::Tensor& s : state) lists.state[k].push_back(s.data_ptr());
    ++k;
  }
  for (const at::Tensor& s : steps) lists.steps.push_back(s.data_ptr<float>());
  lists.grad_scale = scalar_pointer(op, "grad_scale", grad_scale, device);
  lists.found_inf = scalar_pointer(op, "found_inf", found_inf, device);
  lists.stream = c10::cuda::getCurrentCUDAStream(device.index()).stream();
  return lists;
}

FusedLists sgd_lists(at::TensorList params, at::TensorList grads, at::TensorList momentum_buffers, double momentum,
                     const OptionalTensor& grad_scale, const OptionalTensor& found_inf) {
  kernels::check_fused_lists("gradus::sgd_", params, grads, {{"momentum_buffers", momentum_buffers, momentum != 0}},
                             {}, false);
  return lists_of("gradus::sgd_", params, grads, {momentum_buffers}, {}, grad_scale, found_inf);
}

void sgd_cuda(at::TensorList params, at::TensorList grads, at::TensorList momentum_buffers, double lr,
              double momentum, double dampening, double weight_decay, bool nesterov, bool maximize,
              bool is_first_step, const OptionalTensor& grad_scale, const OptionalTensor& found_inf) {
  if (params.empty()) return;
  c10::cuda::CUDAGuard guard(params[0].device());
  launch_sgd(sgd_lists(params, grads, momentum_buffers, momentum, grad_scale, found_inf),
             {lr, momentum, dampening, weight_decay, nesterov, maximize, is_first_step});
}

FusedLists adam_lists(at::TensorList params, at::TensorList grads, at::TensorList exp_avgs,
                      at::TensorList exp_avg_sqs, at::TensorList max_exp_avg_sqs, at::TensorList state_steps,
                      bool amsgrad, const OptionalTensor& grad_scale, const OptionalTensor& found_inf) {
  kernels::check_fused_lists("gradus::adam_", params, grads,
                             {{"exp_avgs", exp_avgs, true}, {"exp_avg_sqs", exp_avg_sqs, true},
                              {"max_exp_avg_sqs", max_exp_avg_sqs, amsgrad}},
                             state_steps, true);
  return lists_of("gradus::adam_", params, grads, {exp_avgs, exp_avg_sqs, max_exp_avg_sqs}, state_steps, grad_scale,
                  found_inf);
}

void adam_cuda(at::TensorList params, at::TensorList grads, at::TensorList exp_avgs, at::TensorList exp_avg_sqs,
               at::TensorList max_exp_avg_sqs, at::TensorList state_steps, double lr, double beta1, double beta2,
               double weight_decay, double eps, bool amsgrad, bool maximize, bool decoupled_weight_decay,
               const OptionalTensor& grad_scale, const OptionalTensor& found_inf) {
  if (params.empty()) return;
  c10::cuda::CUDAGuard guard(params[0].device());
  launch_adam(adam_lists(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, amsgrad, grad_scale,
                         found_inf),
              {lr, beta1, beta2, eps, weight_decay, /*step: per tensor, on the device*/ 0, amsgrad, maximize,
               decoupled_weight_decay});
}

void adagrad_cuda(at::TensorList params, at::TensorList grads, at::TensorList state_sums,
                  at::TensorList state_steps, double lr, double lr_decay, double weight_decay, double eps,
                  bool maximize, const OptionalTensor& grad_scale, const OptionalTensor& found_inf) {
  kernels::check_fused_lists("gradus::adagrad_", params, grads, {{"state_sums", state_sums, true}}, state_steps,
                             true);
  if (params.empty()) return;
  c10::cuda::CUDAGuard guard(params[0].device());
  launch_adagrad(lists_of("gradus::adagrad_", params, grads, {state_sums}, state_steps, grad_scale, found_inf),
                 {lr, lr_decay, weight_decay, eps, /*step: per tensor*/ 0, maximize});
}

void rmsprop_cuda(at::TensorList params, at::TensorList grads, at::TensorList square_avgs,
                  at::TensorList grad_avgs, at::TensorList momentum_buffers, at::TensorList state_steps,
                  double lr, double alpha, double eps, double weight_decay, double momentum, bool centered,
                  bool maximize, const OptionalTensor& grad_scale, const OptionalTensor& found_inf) {
  kernels::check_fused_lists("gradus::rmsprop_", params, grads,
                             {{"square_avgs", square_avgs, true}, {"grad_avgs", grad_avgs, centered},
                              {"momentum_buffers", momentum_buffers, momentum > 0}},
                             state_steps, true);
  if (params.empty()) return;
  c10::cuda::CUDAGuard guard(params[0].device());
  launch_rmsprop(lists_of("gradus::rmsprop_", params, grads, {square_avgs, grad_avgs, momentum_buffers},
                          state_steps, grad_scale, found_inf),
                 {lr, alpha, eps, weight_decay, momentum, centered, maximize});
}

void adadelta_cuda(at::TensorList params, at::TensorList grads, at::TensorList square_avgs,
                   at::TensorList acc_deltas, at::TensorList state_steps, double lr, double rho, double eps,
                   double weight_decay, bool maximize, const OptionalTensor& grad_scale,
                   const OptionalTensor& found_inf) {
  kernels::check_fused_lists("gradus::adadelta_", params, grads,
                             {{"square_avgs", square_avgs, true}, {"acc_deltas", acc_deltas, true}}, state_steps,
                             true);
  if (params.empty()) return;
  c10::cuda::CUDAGuard guard(params[0].device());
  launch_adadelta(lists_of("gradus::adadelta_", params, grads, {square_avgs, acc_deltas}, state_steps, grad_scale,
                           found_inf),
                  {lr, rho, eps, weight_decay, maximize});
}

// The .tensor_lr overloads: the kernels read the lr from device memory.
void sgd_cuda_tensor_lr(at::TensorList params, at::TensorList grads, at::TensorList momentum_buffers,
                        const at::Tensor& lr, double momentum, double dampening, double weight_decay, bool nesterov,
                        bool maximize, bool is_first_step, const OptionalTensor& grad_scale,
                        const OptionalTensor& found_inf) {
  if (params.empty()) return;
  c10::cuda::CUDAGuard guard(params[0].device());
  FusedLists lists = sgd_lists(params, grads, momentum_buffers, momentum, grad_scale, found_inf);
  lists.lr = scalar_pointer("gradus::sgd_", "lr", lr, params[0].device());
  launch_sgd(lists, {0, momentum, dampening, weight_decay, nesterov, maximize, is_first_step});
}

void adam_cuda_tensor_lr(at::TensorList params, at::TensorList grads, at::TensorList exp_avgs,
                         at::TensorList exp_avg_sqs, at::TensorList max_exp_avg_sqs, at::TensorList state_steps,
                         const at::Tensor& lr, double beta1, double beta2, double weight_decay, double eps,
                         bool amsgrad, bool maximize, bool decoupled_weight_decay, const OptionalTensor& grad_scale,
                         const OptionalTensor& found_inf) {
  if (params.empty()) return;
  c10::cuda::CUDAGuard guard(params[0].device());
  FusedLists lists = adam_lists(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, amsgrad,
                                grad_scale, found_inf);
  lists.lr = scalar_pointer("gradus::adam_", "lr", lr, params[0].device());
  launch_adam(lists, {0, beta1, beta2, eps, weight_decay, 0, amsgrad, maximize, decoupled_weight_decay});
}

}  // namespace
}  // namespace cuda
}  // namespace gradus

TORCH_LIBRARY_IMPL(gradus, CUDA, m) {
  m.impl("sgd_.tensor_lr", &gradus::cuda::sgd_cuda_tensor_lr);
  m.impl("adam_.tensor_lr", &gradus::cuda::adam_cuda_tensor_lr);
  m.impl("sgd_", &gradus::cuda::sgd_cuda);
  m.impl("adam_", &gradus::cuda::adam_cuda);
  m.impl("adagrad_", &gradus::cuda::adagrad_cuda);
  m.impl("rmsprop_", &gradus::cuda::rmsprop_cuda);
  m.impl("adadelta_", &gradus::cuda::adadelta_cuda);
}
