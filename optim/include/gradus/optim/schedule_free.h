#pragma once
// gradus::optim::SGDScheduleFree, AdamWScheduleFree and RAdamScheduleFree:
// Schedule-Free optimization (Defazio et al., 2024, "The Road Less
// Scheduled"), as the authors' facebookresearch/schedule_free computes it.
// No lr schedule and no horizon: the params the gradients are taken at (y)
// interpolate between a fast iterate z, which takes plain steps, and x, the
// weighted average of the z's, which is what to evaluate.
//
// Like the reference they have modes. Call train() before training steps,
// and eval() before evaluating or saving a model: eval() moves the params to
// x, train() back to y. step() in eval mode is refused. The mode and the
// weights of the average are the param group's, saved with the optimizer.
// Models with BatchNorm: after eval(), recompute the running statistics at
// x (a few forward passes in the model's train mode) before evaluating, as
// the reference advises (docs/optimizers.md).
#include <gradus/optim/declaration.h>

// What the three keep in each param group, as the reference does: steps
// taken, the sum of the weights of the average, the largest lr so far, the
// mode, and the lr of the last step (warm-up or rectification applied).
#define GRADUS_SCHEDULE_FREE_GROUP(X)   \
  X(GROUP, int64_t, k, 0)               \
  X(GROUP, double, weight_sum, 0.0)     \
  X(GROUP, double, lr_max, -1.0)        \
  X(GROUP, bool, train_mode, false)     \
  X(GROUP, double, scheduled_lr, 0.0)
// The values of this step, from the group's state (the class sets them):
// the weight of z in y's average, and the coefficients of y's and z's steps.
#define GRADUS_SCHEDULE_FREE_STEP(X)                                      \
  X(HIDDEN, double, ckp1, 0.0, kUnit, "averaging weight")                 \
  X(HIDDEN, double, y_lr, 0.0, kAny, "y step")                            \
  X(HIDDEN, double, z_lr, 0.0, kAny, "z step")

// r: the power of the step count in the average's weights; weight_lr_power:
// that of the largest lr so far. maximize is gradus's.
#define GRADUS_SGD_SCHEDULE_FREE_OPTIONS(X)                                  \
  X(REAL, lr, 1.0, kNonNegative, "learning rate")                            \
  X(REAL, momentum, 0.9, kUnitOpen, "momentum value")                        \
  X(REAL, weight_decay, 0.0, kNonNegative, "weight_decay value")             \
  X(REAL, warmup_steps, 0.0, kNonNegative, "warmup_steps value")             \
  X(REAL, r, 0.0, kAny, "r value")                                           \
  X(REAL, weight_lr_power, 2.0, kAny, "weight_lr_power value")               \
  X(FLAG, maximize, false)                                                   \
  GRADUS_SCHEDULE_FREE_STEP(X) GRADUS_SCHEDULE_FREE_GROUP(X)
#define GRADUS_SGD_SCHEDULE_FREE_STATE(X) X(z, zs, copy_of_param, true)

// inner_momentum: an average of the gradient inside the update (0: none).
#define GRADUS_ADAMW_SCHEDULE_FREE_OPTIONS(X)                                      \
  X(REAL, lr, 0.0025, kNonNegative, "learning rate")                               \
  X(PAIR, betas, beta1, 0.9, beta2, 0.999, kUnitOpen, "beta parameter at index")   \
  X(REAL, eps, 1e-8, kNonNegative, "epsilon value")                                \
  X(REAL, weight_decay, 0.0, kNonNegative, "weight_decay value")                   \
  X(REAL, warmup_steps, 0.0, kNonNegative, "warmup_steps value")                   \
  X(REAL, r, 0.0, kAny, "r value")                                                 \
  X(REAL, weight_lr_power, 2.0, kAny, "weight_lr_power value")                     \
  X(REAL, inner_momentum, 0.0, kUnitOpen, "inner_momentum value")                  \
  X(FLAG, maximize, false)                                                         \
  X(HIDDEN, double, bias_correction1, 1.0, kAny, "bias correction 1")              \
  X(HIDDEN, double, bias_correction2, 1.0, kAny, "bias correction 2")              \
  GRADUS_SCHEDULE_FREE_STEP(X) GRADUS_SCHEDULE_FREE_GROUP(X)
#define GRADUS_ADAMW_SCHEDULE_FREE_STATE(X)        \
  X(z, zs, copy_of_param, true)                    \
  X(exp_avg_sq, exp_avg_sqs, 0, true)              \
  X(exp_avg, exp_avgs, 0, h.inner_momentum != 0)

// silent_sgd_phase: no step while RAdam's variance is not yet rectified
// (the first steps); else plain SGD steps then.
#define GRADUS_RADAM_SCHEDULE_FREE_OPTIONS(X)                                      \
  X(REAL, lr, 0.0025, kNonNegative, "learning rate")                               \
  X(PAIR, betas, beta1, 0.9, beta2, 0.999, kUnitOpen, "beta parameter at index")   \
  X(REAL, eps, 1e-8, kNonNegative, "epsilon value")                                \
  X(REAL, weight_decay, 0.0, kNonNegative, "weight_decay value")                   \
  X(REAL, r, 0.0, kAny, "r value")                                                 \
  X(REAL, weight_lr_power, 2.0, kAny, "weight_lr_power value")                     \
  X(FLAG, silent_sgd_phase, true)                                                  \
  X(FLAG, maximize, false)                                                         \
  X(HIDDEN, double, bias_correction2, 1.0, kAny, "bias correction 2")              \
  X(HIDDEN, bool, rectified, false, kAny, "rectified")                             \
  GRADUS_SCHEDULE_FREE_STEP(X) GRADUS_SCHEDULE_FREE_GROUP(X)
#define GRADUS_RADAM_SCHEDULE_FREE_STATE(X)        \
  X(z, zs, copy_of_param, true)                    \
  X(exp_avg_sq, exp_avg_sqs, 0, true)

GRADUS_DESCRIBE(SGDScheduleFree, sgd_schedulefree_, kNoSteps, GRADUS_SGD_SCHEDULE_FREE_OPTIONS,
                GRADUS_SGD_SCHEDULE_FREE_STATE, GRADUS_NO_SCALARS)
GRADUS_DESCRIBE(AdamWScheduleFree, adamw_schedulefree_, kNoSteps, GRADUS_ADAMW_SCHEDULE_FREE_OPTIONS,
                GRADUS_ADAMW_SCHEDULE_FREE_STATE, GRADUS_NO_SCALARS)
GRADUS_DESCRIBE(RAdamScheduleFree, radam_schedulefree_, kNoSteps, GRADUS_RADAM_SCHEDULE_FREE_OPTIONS,
                GRADUS_RADAM_SCHEDULE_FREE_STATE, GRADUS_NO_SCALARS)

#ifndef GRADUS_MATH_ONLY
namespace gradus {
namespace optim {

// An optimizer with modes: a training loop that takes any optimizer calls
// these around evaluation when dynamic_cast finds them.
class TrainEvalModes {
 public:
  virtual ~TrainEvalModes() = default;
  // Moves each group's params to y (training) or x (evaluation, saving);
  // each does nothing to a group already in that mode.
  virtual void train() = 0;
  virtual void eval() = 0;
};

// What the three share: the modes, and the group's step count and average.
template <class OptionsT, class State>
class ScheduleFree : public ElementwiseOptimizer<OptionsT, State>, public TrainEvalModes {
  using Base = ElementwiseOptimizer<OptionsT, State>;

 public:
  using Base::Base;
  // Refuses, naming the group, a step while a group is in eval mode.
  torch::Tensor step(torch::optim::Optimizer::LossClosure closure = nullptr) override;
  void train() override;
  void eval() override;
  // Its group state advances on the host: a scaler skips its step there.
  bool takes_grad_scale() const override { return false; }
  // train() and eval() move the params between y and z in place: z stays in
  // the params' precision, and so does the rest.
  bool takes_low_precision() const override { return false; }

 protected:
  typename Base::Hyper hyper_of(const OptionsT& options) const override;
  void after_group_step(OptimizerOptions& options) override;
};

#define GRADUS_SCHEDULE_FREE_CLASS(Name, OPTIONS, STATE)                               \
  GRADUS_DECLARE_DEFAULTS(Name, OPTIONS)                                               \
  GRADUS_DECLARE_OPTIONS(Name, Name##Hyper, Name##Defaults, OPTIONS)                   \
  GRADUS_DECLARE_STATE(Name, STATE, GRADUS_NO_SCALARS)                                 \
  extern template class ScheduleFree<Name##Options, Name##ParamState>;                 \
  class Name : public ScheduleFree<Name##Options, Name##ParamState> {                  \
   public:                                                                             \
    using ScheduleFree::ScheduleFree;                                                  \
    STATE(GRADUS_SLOT_ACCESSOR)                                                        \
  };
GRADUS_SCHEDULE_FREE_CLASS(SGDScheduleFree, GRADUS_SGD_SCHEDULE_FREE_OPTIONS, GRADUS_SGD_SCHEDULE_FREE_STATE)
GRADUS_SCHEDULE_FREE_CLASS(AdamWScheduleFree, GRADUS_ADAMW_SCHEDULE_FREE_OPTIONS, GRADUS_ADAMW_SCHEDULE_FREE_STATE)
GRADUS_SCHEDULE_FREE_CLASS(RAdamScheduleFree, GRADUS_RADAM_SCHEDULE_FREE_OPTIONS, GRADUS_RADAM_SCHEDULE_FREE_STATE)
#undef GRADUS_SCHEDULE_FREE_CLASS

}  // namespace optim
}  // namespace gradus
#endif

// The per-element math: y <- lerp(y, z, ckp1) + y_lr * g; z <- z - z_lr * g,
// with g the gradient (SGD), or the gradient normalised by Adam's second
// moment (AdamW, RAdam once rectified), plus weight decay at y.
GRADUS_MATH_NAMESPACE_BEGIN
template <typename T>
struct ScheduleFreeStep {
  LerpWeight<T> ckp1;
  T y_lr, neg_z_lr;
  template <class Hyper>
  GRADUS_MATH_FN explicit ScheduleFreeStep(const Hyper& s) : ckp1(s.ckp1), y_lr(T(s.y_lr)), neg_z_lr(T(-s.z_lr)) {}
  // y.lerp_(z, ckp1); y.add_(g, alpha=y_lr); z.sub_(g, alpha=z_lr)
  GRADUS_MATH_FN void apply(T& y, T& z, const T& g) const {
    y = lerp_of(y, z, ckp1);
    y = fma_of(g, y_lr, y);
    z = fma_of(g, neg_z_lr, z);
  }
};

template <typename T>
struct SGDScheduleFreeCoeffs {
  ScheduleFreeStep<T> step;
  T weight_decay;
  bool has_decay, maximize;
  GRADUS_MATH_FN SGDScheduleFreeCoeffs(const ops::SGDScheduleFreeHyper& s, double /*step*/)
      : step(s), weight_decay(T(s.weight_decay)), has_decay(s.weight_decay != 0), maximize(s.maximize) {}
};

struct SGDScheduleFreeUpdate : UpdateOf<ops::SGDScheduleFreeHyper, SGDScheduleFreeCoeffs> {
  template <typename T>
  GRADUS_MATH_FN static void apply(T& y, T grad, T* state, const Coeffs<T>& c) {
    if (c.maximize) grad = T(0) - grad;
    if (c.has_decay) grad = fma_of(y, c.weight_decay, grad);  // grad.add_(y, alpha=wd)
    c.step.apply(y, state[Hyper::Slot::z], grad);
  }
};

template <typename T>
struct AdamWScheduleFreeCoeffs {
  ScheduleFreeStep<T> step;
  T beta2, one_minus_beta2, eps, weight_decay, inner, one_minus_inner, bias_correction1, bias_correction2;
  bool has_inner, has_decay, maximize;
  GRADUS_MATH_FN AdamWScheduleFreeCoeffs(const ops::AdamWScheduleFreeHyper& s, double /*step*/)
      : step(s),
        beta2(T(s.beta2)),
        one_minus_beta2(T(1 - s.beta2)),
        eps(T(s.eps)),
        weight_decay(T(s.weight_decay)),
        inner(T(s.inner_momentum)),
        one_minus_inner(T(1 - s.inner_momentum)),
        bias_correction1(T(s.bias_correction1)),
        bias_correction2(T(s.bias_correction2)),
        has_inner(s.inner_momentum != 0),
        has_decay(s.weight_decay != 0),
        maximize(s.maximize) {}
};

struct AdamWScheduleFreeUpdate : UpdateOf<ops::AdamWScheduleFreeHyper, AdamWScheduleFreeCoeffs> {
  template <typename T>
  GRADUS_MATH_FN static void apply(T& y, T grad, T* state, const Coeffs<T>& c) {
    T& exp_avg_sq = state[Hyper::Slot::exp_avg_sq];
    if (c.maximize) grad = T(0) - grad;
    exp_avg_sq = addcmul_of(exp_avg_sq * c.beta2, c.one_minus_beta2, grad, grad);
    const T denom = sqrt_of(exp_avg_sq / c.bias_correction2) + c.eps;
    T normalized;
    if (c.has_inner) {
      T& exp_avg = state[Hyper::Slot::exp_avg];
      exp_avg = fma_of(grad, c.one_minus_inner, exp_avg * c.inner);
      normalized = exp_avg / c.bias_correction1 / denom;
    } else {
      normalized = grad / denom;
    }
    if (c.has_decay) normalized = fma_of(y, c.weight_decay, normalized);
    c.step.apply(y, state[Hyper::Slot::z], normalized);
  }
};

template <typename T>
struct RAdamScheduleFreeCoeffs {
  ScheduleFreeStep<T> step;
  T beta2, one_minus_beta2, eps, weight_decay, bias_correction2;
  bool rectified, has_decay, maximize;
  GRADUS_MATH_FN RAdamScheduleFreeCoeffs(const ops::RAdamScheduleFreeHyper& s, double /*step*/)
      : step(s),
        beta2(T(s.beta2)),
        one_minus_beta2(T(1 - s.beta2)),
        eps(T(s.eps)),
        weight_decay(T(s.weight_decay)),
        bias_correction2(T(s.bias_correction2)),
        rectified(s.rectified),
        has_decay(s.weight_decay != 0),
        maximize(s.maximize) {}
};

struct RAdamScheduleFreeUpdate : UpdateOf<ops::RAdamScheduleFreeHyper, RAdamScheduleFreeCoeffs> {
  template <typename T>
  GRADUS_MATH_FN static void apply(T& y, T grad, T* state, const Coeffs<T>& c) {
    T& exp_avg_sq = state[Hyper::Slot::exp_avg_sq];
    if (c.maximize) grad = T(0) - grad;
    exp_avg_sq = addcmul_of(exp_avg_sq * c.beta2, c.one_minus_beta2, grad, grad);
    if (c.rectified) grad = grad / (sqrt_of(exp_avg_sq / c.bias_correction2) + c.eps);
    if (c.has_decay) grad = fma_of(y, c.weight_decay, grad);
    c.step.apply(y, state[Hyper::Slot::z], grad);
  }
};
GRADUS_MATH_NAMESPACE_END
