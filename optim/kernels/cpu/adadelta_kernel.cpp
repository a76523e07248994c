// CPU kernel of gradus::adadelta_.
#include "cpu/cpu_capability.h"
#include "cpu/fused_loop.h"
#include "math/optimizer_updates.h"
#include "tensor_list_checks.h"

namespace gradus {
namespace cpu {
namespace CPU_CAPABILITY {
using math::AdadeltaUpdate;

void adadelta_cpu(at::TensorList params, at::TensorList grads, at::TensorList square_avgs,
                  at::TensorList acc_deltas, at::TensorList state_steps, double lr, double rho,
                  double eps, double weight_decay, bool maximize,
                  const c10::optional<at::Tensor>& grad_scale,
                  const c10::optional<at::Tensor>& found_inf) {
  kernels::check_fused_lists("gradus::adadelta_", params, grads,
                             {{"square_avgs", square_avgs, true}, {"acc_deltas", acc_deltas, true}},
                             state_steps, true);
  if (kernels::found_inf_set(found_inf)) return;
  const math::AdadeltaScalars s{lr, rho, eps, weight_decay, maximize};
  for (size_t i = 0; i < params.size(); ++i) {
    advance_step(state_steps[i]);
    fused_update<AdadeltaUpdate>(params[i], grads[i], {square_avgs[i], acc_deltas[i]}, s, grad_scale);
  }
}

}  // namespace CPU_CAPABILITY
}  // namespace cpu
}  // namespace gradus

GRADUS_REGISTER_CPU_KERNEL("adadelta_", adadelta_cpu)
