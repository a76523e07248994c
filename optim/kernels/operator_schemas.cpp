// The gradus operators, declared once. Each backend registers its kernels
// with TORCH_LIBRARY_IMPL(gradus, <Backend>, m) in cpu/ or cuda/; the
// dispatcher routes a call by the device of its tensors.
//
// Every operator updates a list of parameters in one call, in place. Those
// with state_steps advance each step count by one and use the new value, so
// the first update sees step 1. With found_inf set (non-zero) the call
// changes nothing; with grad_scale the gradients are divided by it first and
// written back unscaled, as in PyTorch's fused optimizers. The .tensor_lr
// overloads read the lr from a one-element float32 tensor on the params'
// device, so a captured CUDA graph sees the lr a scheduler sets later.
#include <torch/library.h>

TORCH_LIBRARY(gradus, m) {
  m.def(
      "sgd_(Tensor(a!)[] params, Tensor(b!)[] grads, Tensor(c!)[] momentum_buffers, *, "
      "float lr, float momentum, float dampening, float weight_decay, bool nesterov, "
      "bool maximize, bool is_first_step, Tensor? grad_scale=None, Tensor? found_inf=None) -> ()");
  m.def(
      "adam_(Tensor(a!)[] params, Tensor(b!)[] grads, Tensor(c!)[] exp_avgs, "
      "Tensor(d!)[] exp_avg_sqs, Tensor(e!)[] max_exp_avg_sqs, Tensor(f!)[] state_steps, *, "
      "float lr, float beta1, float beta2, float weight_decay, float eps, bool amsgrad, "
      "bool maximize, bool decoupled_weight_decay, Tensor? grad_scale=None, "
      "Tensor? found_inf=None) -> ()");
  m.def(
      "sgd_.tensor_lr(Tensor(a!)[] params, Tensor(b!)[] grads, Tensor(c!)[] momentum_buffers, *, "
      "Tensor lr, float momentum, float dampening, float weight_decay, bool nesterov, "
      "bool maximize, bool is_first_step, Tensor? grad_scale=None, Tensor? found_inf=None) -> ()");
  m.def(
      "adam_.tensor_lr(Tensor(a!)[] params, Tensor(b!)[] grads, Tensor(c!)[] exp_avgs, "
      "Tensor(d!)[] exp_avg_sqs, Tensor(e!)[] max_exp_avg_sqs, Tensor(f!)[] state_steps, *, "
      "Tensor lr, float beta1, float beta2, float weight_decay, float eps, bool amsgrad, "
      "bool maximize, bool decoupled_weight_decay, Tensor? grad_scale=None, "
      "Tensor? found_inf=None) -> ()");
  m.def(
      "adagrad_(Tensor(a!)[] params, Tensor(b!)[] grads, Tensor(c!)[] state_sums, "
      "Tensor(d!)[] state_steps, *, float lr, float lr_decay, float weight_decay, float eps, "
      "bool maximize, Tensor? grad_scale=None, Tensor? found_inf=None) -> ()");
  m.def(
      "rmsprop_(Tensor(a!)[] params, Tensor(b!)[] grads, Tensor(c!)[] square_avgs, "
      "Tensor(d!)[] grad_avgs, Tensor(e!)[] momentum_buffers, Tensor(f!)[] state_steps, *, "
      "float lr, float alpha, float eps, float weight_decay, float momentum, bool centered, "
      "bool maximize, Tensor? grad_scale=None, Tensor? found_inf=None) -> ()");
  m.def(
      "adadelta_(Tensor(a!)[] params, Tensor(b!)[] grads, Tensor(c!)[] square_avgs, "
      "Tensor(d!)[] acc_deltas, Tensor(e!)[] state_steps, *, float lr, float rho, float eps, "
      "float weight_decay, bool maximize, Tensor? grad_scale=None, "
      "Tensor? found_inf=None) -> ()");
}
