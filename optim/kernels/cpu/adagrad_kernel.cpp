// CPU kernel of gradus::adagrad_.
#include "cpu/cpu_capability.h"
#include "cpu/fused_loop.h"
#include "math/optimizer_updates.h"
#include "tensor_list_checks.h"

namespace gradus {
namespace cpu {
namespace CPU_CAPABILITY {
using math::AdagradUpdate;

void adagrad_cpu(at::TensorList params, at::TensorList grads, at::TensorList state_sums,
                 at::TensorList state_steps, double lr, double lr_decay, double weight_decay,
                 double eps, bool maximize, const c10::optional<at::Tensor>& grad_scale,
                 const c10::optional<at::Tensor>& found_inf) {
  kernels::check_fused_lists("gradus::adagrad_", params, grads, {{"state_sums", state_sums, true}},
                             state_steps, true);
  if (kernels::found_inf_set(found_inf)) return;
  for (size_t i = 0; i < params.size(); ++i) {
    const math::AdagradScalars s{lr, lr_decay, weight_decay, eps, advance_step(state_steps[i]), maximize};
    fused_update<AdagradUpdate>(params[i], grads[i], {state_sums[i]}, s, grad_scale);
  }
}

}  // namespace CPU_CAPABILITY
}  // namespace cpu
}  // namespace gradus

GRADUS_REGISTER_CPU_KERNEL("adagrad_", adagrad_cpu)
