#include <gradus/optim/adagrad.h>
#include <gradus/optim/fused_ops.h>

namespace gradus {
namespace optim {

Adagrad::Adagrad(std::vector<OptimizerParamGroup> param_groups, AdagradOptions defaults)
    : FusedOptimizer(std::move(param_groups), std::make_unique<AdagradOptions>(defaults),
                     "gradus::optim::Adagrad") {
  check_all_options();
  for (const auto& group : param_groups_) {
    for (const at::Tensor& param : group.params()) init_state(param);
  }
}

// Like LibTorch and PyTorch, accumulators exist from construction and start
// at the *default* initial_accumulator_value, whatever a group sets.
AdagradParamState& Adagrad::init_state(const at::Tensor& param) {
  const double initial = static_cast<const AdagradOptions&>(defaults()).initial_accumulator_value();
  return state_for<AdagradParamState>(param, [&](AdagradParamState& s) {
    s.step(new_step_count(param));
    s.sum(full_state_like(param, initial));
  });
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
    auto& s = init_state(param);  // new only for a param added after construction
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
