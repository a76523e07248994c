#pragma once
// The optimizers and schedules of one gradus-train run, stepped together.
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

  void zero_grad() {
    optimizers.main->zero_grad();
    if (optimizers.companion) optimizers.companion->zero_grad();
  }
  void step() {
    optimizers.main->step();
    if (optimizers.companion) optimizers.companion->step();
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
