#include <gradus/optim/adamw.h>

namespace gradus {
namespace optim {

AdamW::AdamW(std::vector<OptimizerParamGroup> param_groups, AdamWOptions defaults)
    : AdamFamily(std::move(param_groups), std::make_unique<AdamWOptions>(defaults),
                 "gradus::optim::AdamW") {
  check_all_options();
}

AdamW::AdamW(std::vector<at::Tensor> params, AdamWOptions defaults)
    : AdamW(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

void AdamW::check_options(const OptimizerOptions& options) const {
  check_hyper(hyper_of(static_cast<const AdamWOptions&>(options), true));
}

void AdamW::step_bucket(const OptimizerOptions& options, ParamBucket& bucket) {
  update_bucket(hyper_of(static_cast<const AdamWOptions&>(options), true), bucket);
}

}  // namespace optim
}  // namespace gradus
