#include <gradus/optim/adagrad.h>
#include <gradus/optim/fused_ops.h>

namespace gradus {
namespace optim {

Adagrad::Adagrad(std::vector<OptimizerParamGroup> param_groups, AdagradOptions defaults)
    : FusedOptimizer(std::move(param_groups), std::make_unique<AdagradOptions>(defaults),
                     "gradus::optim::Adagrad") {
  check_all_options();
  // Like LibTorch, the accumulators exist from construction, filled with
  // initial_accumulator_value of each param's group.
  for (const auto& group : param_groups_) {
    const auto& o = static_cast<const AdagradOptions&>(group.options());
    for (const at::Tensor& param : group.params()) {
      state_for<AdagradParamState>(param, [&](AdagradParamState& s) {
        s.step(new_step_count(param));
        s.sum(full_state_like(param, o.initial_accumulator_value()));
      });
    }
  }
}

Adagrad::Adagrad(std::vector<at::Tensor> params, AdagradOptions defaults)
    : Adagrad(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

void Adagrad::check_options(const OptimizerOptions& options) const {
  const auto& o = static_cast<const AdagradOptions&>(options);
  TORCH_CHECK(o.lr() >= 0, name(), ": invalid learning rate: ", o.lr());
  TORCH_CHECK(o.lr_decay() >= 0, name(), ": invalid lr_decay value: ", o.lr_decay());
  TORCH_CHECK(o.weight_decay() >= 0, name(), ": invalid weight_decay value: ", o.weight_decay());
  TORCH_CHECK(o.initial_accumulator_value() >= 0, name(),
              ": invalid initial_accumulator_value value: ", o.initial_accumulator_value());
  TORCH_CHECK(o.eps() >= 0, name(), ": invalid epsilon value: ", o.eps());
}

void Adagrad::step_bucket(const OptimizerOptions& options, ParamBucket& bucket) {
  const auto& o = static_cast<const AdagradOptions&>(options);
  std::vector<at::Tensor> sums, steps;
  for (const at::Tensor& param : bucket.params) {
    auto& s = state_for<AdagradParamState>(param, [&](AdagradParamState& fresh) {
      fresh.step(new_step_count(param));  // a param added after construction
      fresh.sum(full_state_like(param, o.initial_accumulator_value()));
    });
    sums.push_back(s.sum());
    steps.push_back(s.step());
  }
  ops::adagrad_(bucket.params, bucket.grads, sums, steps, o.lr(), o.lr_decay(), o.weight_decay(),
                o.eps(), o.maximize());
}

std::unique_ptr<OptimizerParamState> Adagrad::make_empty_state() const {
  return std::make_unique<AdagradParamState>();
}

}  // namespace optim
}  // namespace gradus
