// CPU kernel of gradus::adagrad_.
#include "cpu/cpu_capability.h"
#include "cpu/fused_loop.h"
#include "math/adagrad_math.h"
#include "tensor_list_checks.h"

namespace gradus {
namespace cpu {
namespace CPU_CAPABILITY {
namespace {

struct AdagradUpdate {
  using Scalars = math::AdagradScalars;
  template <typename T>
  using Coeffs = math::AdagradCoeffs<T>;
  static constexpr size_t kSlots = math::kAdagradSlots;
  template <typename T>
  static void apply(T& param, T& grad, std::array<T, kSlots>& s, const Coeffs<T>& c) {
    math::adagrad_math(param, grad, s[math::kStateSum], c);
  }
};

}  // namespace

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
