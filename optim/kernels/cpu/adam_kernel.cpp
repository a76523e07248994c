// CPU kernel of gradus::adam_ (Adam and AdamW).
#include "cpu/cpu_capability.h"
#include "cpu/fused_loop.h"
#include "math/optimizer_updates.h"
#include "tensor_list_checks.h"

namespace gradus {
namespace cpu {
namespace CPU_CAPABILITY {
using math::AdamUpdate;

void adam_cpu(at::TensorList params, at::TensorList grads, at::TensorList exp_avgs,
              at::TensorList exp_avg_sqs, at::TensorList max_exp_avg_sqs,
              at::TensorList state_steps, double lr, double beta1, double beta2,
              double weight_decay, double eps, bool amsgrad, bool maximize,
              bool decoupled_weight_decay, const c10::optional<at::Tensor>& grad_scale,
              const c10::optional<at::Tensor>& found_inf) {
  kernels::check_fused_lists("gradus::adam_", params, grads,
                             {{"exp_avgs", exp_avgs, true},
                              {"exp_avg_sqs", exp_avg_sqs, true},
                              {"max_exp_avg_sqs", max_exp_avg_sqs, amsgrad}},
                             state_steps, true);
  if (kernels::found_inf_set(found_inf)) return;
  for (size_t i = 0; i < params.size(); ++i) {
    const math::AdamScalars s{lr,  beta1,   beta2,    eps, weight_decay, advance_step(state_steps[i]),
                              amsgrad, maximize, decoupled_weight_decay};
    fused_update<AdamUpdate>(params[i], grads[i],
                             {exp_avgs[i], exp_avg_sqs[i], amsgrad ? max_exp_avg_sqs[i] : at::Tensor()},
                             s, grad_scale);
  }
}

// On CPU the lr tensor is read once on the host.
void adam_cpu_tensor_lr(at::TensorList params, at::TensorList grads, at::TensorList exp_avgs,
                        at::TensorList exp_avg_sqs, at::TensorList max_exp_avg_sqs,
                        at::TensorList state_steps, const at::Tensor& lr, double beta1, double beta2,
                        double weight_decay, double eps, bool amsgrad, bool maximize,
                        bool decoupled_weight_decay, const c10::optional<at::Tensor>& grad_scale,
                        const c10::optional<at::Tensor>& found_inf) {
  adam_cpu(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps, lr.item<double>(), beta1,
           beta2, weight_decay, eps, amsgrad, maximize, decoupled_weight_decay, grad_scale, found_inf);
}

}  // namespace CPU_CAPABILITY
}  // namespace cpu
}  // namespace gradus

GRADUS_REGISTER_CPU_KERNEL("adam_", adam_cpu)
GRADUS_REGISTER_CPU_KERNEL("adam_.tensor_lr", adam_cpu_tensor_lr)
