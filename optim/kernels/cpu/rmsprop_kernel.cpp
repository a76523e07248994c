// CPU kernel of gradus::rmsprop_.
#include "cpu/cpu_capability.h"
#include "cpu/fused_loop.h"
#include "math/optimizer_updates.h"
#include "tensor_list_checks.h"

namespace gradus {
namespace cpu {
namespace CPU_CAPABILITY {
using math::RmspropUpdate;

void rmsprop_cpu(at::TensorList params, at::TensorList grads, at::TensorList square_avgs,
                 at::TensorList grad_avgs, at::TensorList momentum_buffers,
                 at::TensorList state_steps, double lr, double alpha, double eps,
                 double weight_decay, double momentum, bool centered, bool maximize,
                 const c10::optional<at::Tensor>& grad_scale,
                 const c10::optional<at::Tensor>& found_inf) {
  const bool has_momentum = momentum > 0;
  kernels::check_fused_lists("gradus::rmsprop_", params, grads,
                             {{"square_avgs", square_avgs, true},
                              {"grad_avgs", grad_avgs, centered},
                              {"momentum_buffers", momentum_buffers, has_momentum}},
                             state_steps, true);
  if (kernels::found_inf_set(found_inf)) return;
  const math::RmspropScalars s{lr, alpha, eps, weight_decay, momentum, centered, maximize};
  for (size_t i = 0; i < params.size(); ++i) {
    advance_step(state_steps[i]);
    fused_update<RmspropUpdate>(params[i], grads[i],
                                {square_avgs[i], centered ? grad_avgs[i] : at::Tensor(),
                                 has_momentum ? momentum_buffers[i] : at::Tensor()},
                                s, grad_scale);
  }
}

}  // namespace CPU_CAPABILITY
}  // namespace cpu
}  // namespace gradus

GRADUS_REGISTER_CPU_KERNEL("rmsprop_", rmsprop_cpu)
