// Typed entry points into the dispatcher for the gradus operators.
#include <gradus/optim/fused_ops.h>

#include <ATen/core/dispatch/Dispatcher.h>

namespace gradus {
namespace ops {
namespace {

// The operator handle, looked up once; typed<> checks the C++ signature
// against the registered schema.
template <typename Signature>
c10::TypedOperatorHandle<Signature> find_op(const char* name, const char* overload = "") {
  return c10::Dispatcher::singleton().findSchemaOrThrow(name, overload).typed<Signature>();
}

}  // namespace

void sgd_(at::TensorList params, at::TensorList grads, at::TensorList momentum_buffers, double lr,
          double momentum, double dampening, double weight_decay, bool nesterov, bool maximize,
          bool is_first_step, const OptionalTensor& grad_scale, const OptionalTensor& found_inf) {
  static const auto op = find_op<decltype(sgd_)>("gradus::sgd_");
  op.call(params, grads, momentum_buffers, lr, momentum, dampening, weight_decay, nesterov,
          maximize, is_first_step, grad_scale, found_inf);
}

void adam_(at::TensorList params, at::TensorList grads, at::TensorList exp_avgs,
           at::TensorList exp_avg_sqs, at::TensorList max_exp_avg_sqs, at::TensorList state_steps,
           double lr, double beta1, double beta2, double weight_decay, double eps, bool amsgrad,
           bool maximize, bool decoupled_weight_decay, const OptionalTensor& grad_scale,
           const OptionalTensor& found_inf) {
  static const auto op = find_op<decltype(adam_)>("gradus::adam_");
  op.call(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, lr, beta1, beta2,
          weight_decay, eps, amsgrad, maximize, decoupled_weight_decay, grad_scale, found_inf);
}

void sgd_tensor_lr_(at::TensorList params, at::TensorList grads, at::TensorList momentum_buffers,
                    const at::Tensor& lr, double momentum, double dampening, double weight_decay, bool nesterov,
                    bool maximize, bool is_first_step, const OptionalTensor& grad_scale,
                    const OptionalTensor& found_inf) {
  static const auto op = find_op<decltype(sgd_tensor_lr_)>("gradus::sgd_", "tensor_lr");
  op.call(params, grads, momentum_buffers, lr, momentum, dampening, weight_decay, nesterov, maximize,
          is_first_step, grad_scale, found_inf);
}

void adam_tensor_lr_(at::TensorList params, at::TensorList grads, at::TensorList exp_avgs,
                     at::TensorList exp_avg_sqs, at::TensorList max_exp_avg_sqs, at::TensorList state_steps,
                     const at::Tensor& lr, double beta1, double beta2, double weight_decay, double eps,
                     bool amsgrad, bool maximize, bool decoupled_weight_decay, const OptionalTensor& grad_scale,
                     const OptionalTensor& found_inf) {
  static const auto op = find_op<decltype(adam_tensor_lr_)>("gradus::adam_", "tensor_lr");
  op.call(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, lr, beta1, beta2, weight_decay,
          eps, amsgrad, maximize, decoupled_weight_decay, grad_scale, found_inf);
}

void adagrad_(at::TensorList params, at::TensorList grads, at::TensorList state_sums,
              at::TensorList state_steps, double lr, double lr_decay, double weight_decay,
              double eps, bool maximize, const OptionalTensor& grad_scale,
              const OptionalTensor& found_inf) {
  static const auto op = find_op<decltype(adagrad_)>("gradus::adagrad_");
  op.call(params, grads, state_sums, state_steps, lr, lr_decay, weight_decay, eps, maximize,
          grad_scale, found_inf);
}

void rmsprop_(at::TensorList params, at::TensorList grads, at::TensorList square_avgs,
              at::TensorList grad_avgs, at::TensorList momentum_buffers,
              at::TensorList state_steps, double lr, double alpha, double eps,
              double weight_decay, double momentum, bool centered, bool maximize,
              const OptionalTensor& grad_scale, const OptionalTensor& found_inf) {
  static const auto op = find_op<decltype(rmsprop_)>("gradus::rmsprop_");
  op.call(params, grads, square_avgs, grad_avgs, momentum_buffers, state_steps, lr, alpha, eps,
          weight_decay, momentum, centered, maximize, grad_scale, found_inf);
}

void adadelta_(at::TensorList params, at::TensorList grads, at::TensorList square_avgs,
               at::TensorList acc_deltas, at::TensorList state_steps, double lr, double rho,
               double eps, double weight_decay, bool maximize, const OptionalTensor& grad_scale,
               const OptionalTensor& found_inf) {
  static const auto op = find_op<decltype(adadelta_)>("gradus::adadelta_");
  op.call(params, grads, square_avgs, acc_deltas, state_steps, lr, rho, eps, weight_decay,
          maximize, grad_scale, found_inf);
}

}  // namespace ops
}  // namespace gradus
