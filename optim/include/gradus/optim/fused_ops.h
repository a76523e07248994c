#pragma once
// Functional interface to the gradus operators: each call updates a whole
// list of parameters in one fused pass per tensor, on whatever backend the
// tensors live (the dispatcher picks the kernel). The optimizer classes are
// built on these; they are public for users who keep their own state.
// Argument meanings are those of the operator schemas (see README).
#include <ATen/core/Tensor.h>
#include <c10/util/Optional.h>

namespace gradus {
namespace ops {

using OptionalTensor = c10::optional<at::Tensor>;

void sgd_(at::TensorList params, at::TensorList grads, at::TensorList momentum_buffers, double lr,
          double momentum, double dampening, double weight_decay, bool nesterov, bool maximize,
          bool is_first_step, const OptionalTensor& grad_scale = {},
          const OptionalTensor& found_inf = {});

void adam_(at::TensorList params, at::TensorList grads, at::TensorList exp_avgs,
           at::TensorList exp_avg_sqs, at::TensorList max_exp_avg_sqs, at::TensorList state_steps,
           double lr, double beta1, double beta2, double weight_decay, double eps, bool amsgrad,
           bool maximize, bool decoupled_weight_decay, const OptionalTensor& grad_scale = {},
           const OptionalTensor& found_inf = {});

// The same with the lr in a one-element float32 tensor on the params' device
// (the operators' .tensor_lr overloads): CUDA-graph capturable.
void sgd_tensor_lr_(at::TensorList params, at::TensorList grads, at::TensorList momentum_buffers,
                    const at::Tensor& lr, double momentum, double dampening, double weight_decay, bool nesterov,
                    bool maximize, bool is_first_step, const OptionalTensor& grad_scale = {},
                    const OptionalTensor& found_inf = {});

void adam_tensor_lr_(at::TensorList params, at::TensorList grads, at::TensorList exp_avgs,
                     at::TensorList exp_avg_sqs, at::TensorList max_exp_avg_sqs, at::TensorList state_steps,
                     const at::Tensor& lr, double beta1, double beta2, double weight_decay, double eps,
                     bool amsgrad, bool maximize, bool decoupled_weight_decay,
                     const OptionalTensor& grad_scale = {}, const OptionalTensor& found_inf = {});

void adagrad_(at::TensorList params, at::TensorList grads, at::TensorList state_sums,
              at::TensorList state_steps, double lr, double lr_decay, double weight_decay,
              double eps, bool maximize, const OptionalTensor& grad_scale = {},
              const OptionalTensor& found_inf = {});

void rmsprop_(at::TensorList params, at::TensorList grads, at::TensorList square_avgs,
              at::TensorList grad_avgs, at::TensorList momentum_buffers,
              at::TensorList state_steps, double lr, double alpha, double eps,
              double weight_decay, double momentum, bool centered, bool maximize,
              const OptionalTensor& grad_scale = {}, const OptionalTensor& found_inf = {});

void adadelta_(at::TensorList params, at::TensorList grads, at::TensorList square_avgs,
               at::TensorList acc_deltas, at::TensorList state_steps, double lr, double rho,
               double eps, double weight_decay, bool maximize,
               const OptionalTensor& grad_scale = {}, const OptionalTensor& found_inf = {});

}  // namespace ops
}  // namespace gradus
