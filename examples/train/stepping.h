#pragma once
// The optimizers and schedules of one gradus-train run, stepped together.
#include <gradus/amp.h>
#include <gradus/clip_grad.h>
#include <gradus/optim/schedule_free.h>

#include <cmath>

#include "optimizer_factory.h"

namespace gradus {
namespace examples {

// The optimizers and their schedules: one of each, or two for the optimizers
// that take only some parameters (make_optimizers).
struct Stepping {
  Optimizers optimizers;
  Schedule schedule, companion_schedule;
  double smoothed_loss = NAN;  // what LossAdaptive is stepped with; checkpointed
  std::unique_ptr<amp::GradScaler> scaler;  // --amp fp16: the loss is scaled; checkpointed
  double clip_grad_norm = 0;                // > 0: each optimizer's gradients clipped to it

  void zero_grad() {
    optimizers.main->zero_grad();
    if (optimizers.companion) optimizers.companion->zero_grad();
  }
  // Clips (folded into a fused step under the scaler), steps each optimizer
  // (skipped after an overflow), and updates the scale.
  void step() {
    for (auto* o : {optimizers.main.get(), optimizers.companion.get()}) {
      if (!o) continue;
      if (clip_grad_norm > 0) {
        if (scaler) {
          clip_grad_norm_(*o, *scaler, clip_grad_norm);
        } else {
          clip_grad_norm_(*o, clip_grad_norm);
        }
      }
      if (scaler) {
        scaler->step(*o);
      } else {
        o->step();
      }
    }
    if (scaler) scaler->update();
  }
  // Steps the schedules whose cadence is `cadence`, with `value` where they take one.
  void advance(Cadence cadence, double value) {
    for (Schedule* s : {&schedule, &companion_schedule}) {
      if (s->cadence != cadence) continue;
      if (cadence == Cadence::kPerBatchWithLoss || cadence == Cadence::kPerEpochWithMetric) {
        s->scheduler->step(value);
      } else {
        s->scheduler->step();
      }
    }
  }
  double lr() const { return optimizers.main->param_groups()[0].options().get_lr(); }
  // Schedule-Free's modes (optim::TrainEvalModes): params at x to evaluate
  // or save, at y to train. Nothing for the other optimizers.
  bool has_modes() const { return modes(optimizers.main.get()) != nullptr; }
  void eval() {
    for (auto* o : {optimizers.main.get(), optimizers.companion.get()}) {
      if (auto* m = modes(o)) m->eval();
    }
  }
  void train() {
    for (auto* o : {optimizers.main.get(), optimizers.companion.get()}) {
      if (auto* m = modes(o)) m->train();
    }
  }

 private:
  static optim::TrainEvalModes* modes(torch::optim::Optimizer* o) { return dynamic_cast<optim::TrainEvalModes*>(o); }
};

}  // namespace examples
}  // namespace gradus
