#include <gradus/optim/adadelta.h>
#include <gradus/optim/fused_ops.h>

namespace gradus {
namespace optim {

Adadelta::Adadelta(std::vector<OptimizerParamGroup> param_groups, AdadeltaOptions defaults)
    : FusedOptimizer(std::move(param_groups), std::make_unique<AdadeltaOptions>(defaults),
                     "gradus::optim::Adadelta") {
  check_all_options();
}

Adadelta::Adadelta(std::vector<at::Tensor> params, AdadeltaOptions defaults)
    : Adadelta(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))},
               defaults) {}

void Adadelta::check_options(const OptimizerOptions& options) const {
  const auto& o = static_cast<const AdadeltaOptions&>(options);
  TORCH_CHECK(o.lr() >= 0, name(), ": invalid learning rate: ", o.lr());
  TORCH_CHECK(0 <= o.rho() && o.rho() <= 1, name(), ": invalid rho value: ", o.rho(),
              " (must be in [0, 1])");
  TORCH_CHECK(o.eps() >= 0, name(), ": invalid epsilon value: ", o.eps());
  TORCH_CHECK(o.weight_decay() >= 0, name(), ": invalid weight_decay value: ", o.weight_decay());
}

void Adadelta::step_bucket(const OptimizerOptions& options, ParamBucket& bucket) {
  const auto& o = static_cast<const AdadeltaOptions&>(options);
  std::vector<at::Tensor> square_avgs, acc_deltas, steps;
  for (const at::Tensor& param : bucket.params) {
    auto& s = state_for<AdadeltaParamState>(param, [&](AdadeltaParamState& fresh) {
      fresh.step(new_step_count(param));
      fresh.square_avg(zeros_state_like(param));
      fresh.acc_delta(zeros_state_like(param));
    });
    square_avgs.push_back(s.square_avg());
    acc_deltas.push_back(s.acc_delta());
    steps.push_back(s.step());
  }
  ops::adadelta_(bucket.params, bucket.grads, square_avgs, acc_deltas, steps, o.lr(), o.rho(),
                 o.eps(), o.weight_decay(), o.maximize());
}

std::unique_ptr<OptimizerParamState> Adadelta::make_empty_state() const {
  return std::make_unique<AdadeltaParamState>();
}

}  // namespace optim
}  // namespace gradus
