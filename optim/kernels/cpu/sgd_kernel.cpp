// CPU kernel of gradus::sgd_.
#include "cpu/cpu_capability.h"
#include "cpu/fused_loop.h"
#include "math/optimizer_updates.h"
#include "tensor_list_checks.h"

namespace gradus {
namespace cpu {
namespace CPU_CAPABILITY {
using math::SgdUpdate;

void sgd_cpu(at::TensorList params, at::TensorList grads, at::TensorList momentum_buffers,
             double lr, double momentum, double dampening, double weight_decay, bool nesterov,
             bool maximize, bool is_first_step, const c10::optional<at::Tensor>& grad_scale,
             const c10::optional<at::Tensor>& found_inf) {
  const bool has_momentum = momentum != 0;
  kernels::check_fused_lists("gradus::sgd_", params, grads,
                             {{"momentum_buffers", momentum_buffers, has_momentum}}, {}, false);
  if (kernels::found_inf_set(found_inf)) return;
  const math::SgdScalars s{lr, momentum, dampening, weight_decay, nesterov, maximize, is_first_step};
  for (size_t i = 0; i < params.size(); ++i) {
    fused_update<SgdUpdate>(params[i], grads[i],
                            {has_momentum ? momentum_buffers[i] : at::Tensor()}, s, grad_scale);
  }
}

// On CPU the lr tensor is read once on the host.
void sgd_cpu_tensor_lr(at::TensorList params, at::TensorList grads, at::TensorList momentum_buffers,
                       const at::Tensor& lr, double momentum, double dampening, double weight_decay,
                       bool nesterov, bool maximize, bool is_first_step,
                       const c10::optional<at::Tensor>& grad_scale, const c10::optional<at::Tensor>& found_inf) {
  sgd_cpu(params, grads, momentum_buffers, lr.item<double>(), momentum, dampening, weight_decay, nesterov,
          maximize, is_first_step, grad_scale, found_inf);
}

}  // namespace CPU_CAPABILITY
}  // namespace cpu
}  // namespace gradus

GRADUS_REGISTER_CPU_KERNEL("sgd_", sgd_cpu)
GRADUS_REGISTER_CPU_KERNEL("sgd_.tensor_lr", sgd_cpu_tensor_lr)
