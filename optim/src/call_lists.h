#pragma once
// The lists of one operator call as an optimizer's step_bucket gathers them
// from its bucket and its per-parameter state: borrowed (borrowed_tensors.h)
// and handed to ops::fused_step as views.
#include <gradus/ops/fused_step.h>

#include <vector>

#include "borrowed_tensors.h"

namespace gradus {
namespace optim {

class CallLists {
 public:
  CallLists(size_t slots, size_t reserve, size_t scalars = 0) : state_(slots), scalars_(scalars) {
    params_.reserve(reserve);
    grads_.reserve(reserve);
    for (auto& slot : state_) slot.reserve(reserve);
    steps_.reserve(reserve);
    for (auto& scalar : scalars_) scalar.reserve(reserve);
  }
  void add_param(const at::Tensor& param, const at::Tensor& grad) {
    params_.push_back(param);
    grads_.push_back(grad);
  }
  void add_state(size_t slot, const at::Tensor& state) { state_[slot].push_back(state); }
  void add_step(const at::Tensor& step) { steps_.push_back(step); }
  void add_scalar(size_t k, const at::Tensor& scalar) { scalars_[k].push_back(scalar); }
  at::TensorList params() const { return params_.view(); }

  ops::FusedTensors view() const {
    ops::FusedTensors tensors{params_.view(), grads_.view(), {}, steps_.view()};
    for (const auto& slot : state_) tensors.state.push_back(slot.view());
    for (const auto& scalar : scalars_) tensors.scalars.push_back(scalar.view());
    return tensors;
  }

 private:
  BorrowedTensors params_, grads_;
  std::vector<BorrowedTensors> state_;
  BorrowedTensors steps_;
  std::vector<BorrowedTensors> scalars_;
};

}  // namespace optim
}  // namespace gradus
