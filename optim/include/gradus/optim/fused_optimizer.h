#pragma once
// The base every gradus optimizer shares: closure handling, splitting each
// param group into per-(device, dtype) buckets for the fused operators,
// option checks, and save/load tagged with the optimizer's name.
#include <gradus/ops/fused_step.h>
#include <gradus/optim/precision.h>
#include <torch/optim/optimizer.h>
// Archives are used by reference here; torch/optim/optimizer.h declares them.
// (torch/serialize/archive.h costs ~20 s of compile time in every includer.)

#include <c10/util/Optional.h>

#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace gradus {
namespace optim {

using torch::optim::OptimizerOptions;
using torch::optim::OptimizerParamGroup;
using torch::optim::OptimizerParamState;

// Parameters of one group that have a gradient and share a device and dtype:
// one fused operator call updates them all. It borrows the group's tensors,
// taking no reference counts (on many small tensors those cost as much as
// the update), so it lives only within step().
class ParamBucket {
 public:
  ParamBucket() = default;
  ParamBucket(ParamBucket&& other) noexcept;
  ParamBucket(const ParamBucket&) = delete;
  ParamBucket& operator=(const ParamBucket&) = delete;
  ParamBucket& operator=(ParamBucket&&) = delete;
  ~ParamBucket();

  void reserve(size_t n);
  void add(const at::Tensor& param, const at::Tensor& grad);
  at::TensorList params() const { return params_; }
  at::TensorList grads() const { return grads_; }
  size_t size() const { return params_.size(); }

 private:
  std::vector<at::Tensor> params_, grads_;  // borrowed
};

namespace detail {

// Field visitors: an Options or ParamState type lists its fields once in a
// static visit(self, visitor), and these write or read them.
struct ArchiveWriter {
  torch::serialize::OutputArchive& archive;
  void operator()(const char* key, double value) const;
  void operator()(const char* key, bool value) const;
  void operator()(const char* key, const std::tuple<double, double>& value) const;
  void operator()(const char* key, const std::tuple<std::optional<double>, double>& value) const;  // unset: no _0
  void operator()(const char* key, const std::tuple<double, double, double>& value) const;
  void operator()(const char* key, int64_t value) const;
  void operator()(const char* key, const std::string& value) const;
  void operator()(const char* key, const at::Tensor& value) const;  // undefined: skipped
};

struct ArchiveReader {
  torch::serialize::InputArchive& archive;
  void operator()(const char* key, double& value) const;
  // A flag missing from a file keeps its value: the file is older than the flag.
  void operator()(const char* key, bool& value) const;
  void operator()(const char* key, std::tuple<double, double>& value) const;
  void operator()(const char* key, std::tuple<std::optional<double>, double>& value) const;
  void operator()(const char* key, std::tuple<double, double, double>& value) const;
  void operator()(const char* key, int64_t& value) const;
  void operator()(const char* key, std::string& value) const;
  void operator()(const char* key, at::Tensor& value) const;  // missing: left undefined
  void optional(const char* key, bool& value) const;  // missing: left as it is
  void optional(const char* key, c10::optional<double>& value) const;  // missing: nullopt
};

// The same fields in LibTorch's torch::optim layout (torch_optim_format.cpp):
// a pair or triple is one tuple, a step count an integer. The reader keeps
// what the file lacks, and notes each key it knows in `known`.
struct TorchOptimWriter {
  torch::serialize::OutputArchive& archive;
  void operator()(const char* key, double value) const;
  void operator()(const char* key, bool value) const;
  void operator()(const char* key, const std::tuple<double, double>& value) const;
  void operator()(const char* key, const std::tuple<std::optional<double>, double>& value) const;
  void operator()(const char* key, const std::tuple<double, double, double>& value) const;
  void operator()(const char* key, int64_t value) const;
  void operator()(const char* key, const std::string& value) const;
  void operator()(const char* key, const at::Tensor& value) const;  // "step": an integer
};

struct TorchOptimReader {
  torch::serialize::InputArchive& archive;
  const at::Tensor* param;  // a state's param (its step count is made on its device); null for options
  std::vector<std::string>& known;
  void operator()(const char* key, double& value) const;
  void operator()(const char* key, bool& value) const;
  void operator()(const char* key, std::tuple<double, double>& value) const;
  void operator()(const char* key, std::tuple<std::optional<double>, double>& value) const;
  void operator()(const char* key, std::tuple<double, double, double>& value) const;
  void operator()(const char* key, int64_t& value) const;
  void operator()(const char* key, std::string& value) const;
  void operator()(const char* key, at::Tensor& value) const;
};

}  // namespace detail

// What every gradus option struct has besides its own fields: the
// capturable flag with the group's device lr, and the group's initial lr.
class FusedOptionsBase {
 public:
  virtual ~FusedOptionsBase() = default;
  bool capturable() const { return capturable_; }
  // The one-element float32 tensor on the group's device that step() reads
  // the lr from when capturable(); created by the optimizer for each group,
  // never shared between groups, kept across load(). Undefined otherwise.
  const at::Tensor& device_lr() const { return device_lr_; }
  // PyTorch's group['initial_lr']: the lr the group had when the first
  // scheduler was built on it, which later schedulers start from. Lives with
  // the group (saved with the optimizer), so it goes when the optimizer goes.
  const c10::optional<double>& initial_lr() const { return initial_lr_; }
  void set_initial_lr(double lr) { initial_lr_ = lr; }

  // The momentum a cyclic schedule (OneCycleLR, CyclicLR) moves: the
  // `momentum` option where the options have one, else beta1 of `betas`, as
  // PyTorch looks for them. Follows from the option type (FusedOptions), so
  // the schedulers need no list of gradus optimizers.
  enum class CycledMomentum { kNone, kMomentum, kBeta1 };
  virtual CycledMomentum cycled_momentum() const { return CycledMomentum::kNone; }
  virtual double cycled_momentum_value() const { return 0; }
  virtual void set_cycled_momentum_value(double) {}
  // Low-memory training (gradus/optim/precision.h); the elementwise
  // optimizers take them, the others refuse all but the defaults.
  StatePrecision state_precision() const { return state_precision_; }
  int64_t state_precision_min_numel() const { return state_precision_min_numel_; }
  Compensation compensation() const { return compensation_; }
  int64_t rounding_seed() const { return rounding_seed_; }
  // Steps the group has taken: with the seed, it keys stochastic rounding,
  // so it is saved with the options and a resumed run rounds as the
  // unbroken one.
  int64_t rounding_step() const { return rounding_step_; }
  // The options in LibTorch's torch::optim layout (torch_optim_format.h).
  virtual void write_torch_optim(torch::serialize::OutputArchive& archive) const = 0;
  virtual void read_torch_optim(torch::serialize::InputArchive& archive, std::vector<std::string>& known) = 0;

 protected:
  // Throws, naming it, an lr that is NaN, infinite or negative. Out of line:
  // a check in this header would put its path into every user's binary.
  static void check_device_lr(double lr);
  bool capturable_ = false;
  StatePrecision state_precision_ = StatePrecision::float32;
  int64_t state_precision_min_numel_ = kStatePrecisionMinNumel;
  Compensation compensation_ = Compensation::none;
  int64_t rounding_seed_ = 0;
  int64_t rounding_step_ = 0;
  void write_precision(torch::serialize::OutputArchive& archive) const;
  void read_precision(torch::serialize::InputArchive& archive);
  at::Tensor device_lr_;
  c10::optional<double> initial_lr_;
  friend class FusedOptimizer;
};

// CRTP base for option structs: cloning, lr access for schedulers, the
// capturable flag, and serialization from Derived::visit.
template <class Derived>
struct FusedOptions : public torch::optim::OptimizerCloneableOptions<Derived>, public FusedOptionsBase {
  typedef std::tuple<double, double> pair_t;
  using FusedOptionsBase::capturable;
  // As PyTorch's capturable=True: step() reads the lr from a device tensor
  // that set_lr() (every scheduler) keeps current, and never syncs with the
  // host, so step() can be captured in a CUDA graph. Step counts are device
  // tensors either way.
  Derived& capturable(bool on) {
    capturable_ = on;
    return self();
  }
  using FusedOptionsBase::compensation;
  using FusedOptionsBase::rounding_seed;
  using FusedOptionsBase::state_precision;
  using FusedOptionsBase::state_precision_min_numel;
  Derived& state_precision(StatePrecision precision) {
    state_precision_ = precision;
    return self();
  }
  Derived& state_precision_min_numel(int64_t numel) {
    state_precision_min_numel_ = numel;
    return self();
  }
  Derived& compensation(Compensation compensation) {
    compensation_ = compensation;
    return self();
  }
  Derived& rounding_seed(int64_t seed) {
    rounding_seed_ = seed;
    return self();
  }
  CycledMomentum cycled_momentum() const override {
    if constexpr (has_momentum()) return CycledMomentum::kMomentum;
    if constexpr (has_betas()) return CycledMomentum::kBeta1;
    return CycledMomentum::kNone;
  }
  double cycled_momentum_value() const override {
    if constexpr (has_momentum()) {
      return self().momentum();
    } else if constexpr (has_betas()) {
      return std::get<0>(self().betas());
    } else {
      return 0;
    }
  }
  void set_cycled_momentum_value(double value) override {
    if constexpr (has_momentum()) {
      self().momentum(value);
    } else if constexpr (has_betas()) {
      auto betas = self().betas();  // a pair, or AdEMAMix's three
      std::get<0>(betas) = value;
      self().betas(betas);
    }
  }
  double get_lr() const override { return self().lr(); }
  // With a device lr, refuses before anything changes an lr that step()
  // would refuse: a captured graph replays without step(). Without one,
  // step() checks it, as it checks every option.
  void set_lr(const double lr) override {
    if (device_lr_.defined()) check_device_lr(lr);
    self().lr(lr);
    if (device_lr_.defined()) device_lr_.fill_(lr);
  }
  void write_torch_optim(torch::serialize::OutputArchive& archive) const override {
    Derived::visit(self(), detail::TorchOptimWriter{archive});
  }
  void read_torch_optim(torch::serialize::InputArchive& archive, std::vector<std::string>& known) override {
    Derived::visit(self(), detail::TorchOptimReader{archive, nullptr, known});
  }
  void serialize(torch::serialize::OutputArchive& archive) const override {
    Derived::visit(self(), detail::ArchiveWriter{archive});
    Derived::visit_group_state(self(), detail::ArchiveWriter{archive});
    detail::ArchiveWriter{archive}("capturable", capturable_);
    if (initial_lr_) detail::ArchiveWriter{archive}("initial_lr", *initial_lr_);
    write_precision(archive);
  }
  void serialize(torch::serialize::InputArchive& archive) override {
    Derived::visit(self(), detail::ArchiveReader{archive});
    Derived::visit_group_state(self(), detail::ArchiveReader{archive});
    detail::ArchiveReader{archive}.optional("capturable", capturable_);
    detail::ArchiveReader{archive}.optional("initial_lr", initial_lr_);
    read_precision(archive);
  }

 private:
  const Derived& self() const { return static_cast<const Derived&>(*this); }
  Derived& self() { return static_cast<Derived&>(*this); }
  template <class T>
  static auto momentum_of(int) -> decltype(std::declval<const T&>().momentum(), std::true_type{});
  template <class T>
  static std::false_type momentum_of(...);
  template <class T>
  static auto betas_of(int) -> decltype(std::declval<const T&>().betas(), std::true_type{});
  template <class T>
  static std::false_type betas_of(...);
  // Functions, not constants: their bodies are instantiated where Derived
  // is complete, not where FusedOptions<Derived> becomes its base.
  static constexpr bool has_momentum() { return decltype(momentum_of<Derived>(0))::value; }
  static constexpr bool has_betas() { return decltype(betas_of<Derived>(0))::value; }
};

// The state of one param in LibTorch's torch::optim layout.
struct FusedParamStateBase {
  virtual ~FusedParamStateBase() = default;
  virtual void write_torch_optim(torch::serialize::OutputArchive& archive) const = 0;
  virtual void read_torch_optim(torch::serialize::InputArchive& archive, const at::Tensor& param,
                                std::vector<std::string>& known) = 0;
};

// CRTP base for per-parameter state structs.
template <class Derived>
struct FusedParamState : public torch::optim::OptimizerCloneableParamState<Derived>, public FusedParamStateBase {
  void write_torch_optim(torch::serialize::OutputArchive& archive) const override {
    Derived::visit(static_cast<const Derived&>(*this), detail::TorchOptimWriter{archive});
  }
  void read_torch_optim(torch::serialize::InputArchive& archive, const at::Tensor& param,
                        std::vector<std::string>& known) override {
    Derived::visit(static_cast<Derived&>(*this), detail::TorchOptimReader{archive, &param, known});
  }
  void serialize(torch::serialize::OutputArchive& archive) const override {
    Derived::visit(static_cast<const Derived&>(*this), detail::ArchiveWriter{archive});
  }
  void serialize(torch::serialize::InputArchive& archive) override {
    Derived::visit(static_cast<Derived&>(*this), detail::ArchiveReader{archive});
  }
};

class FusedOptimizer : public torch::optim::Optimizer {
 public:
  // Runs the closure (with grad enabled) if given, then updates every param
  // group. Returns the closure's loss, or an undefined tensor.
  torch::Tensor step(LossClosure closure = nullptr) override;
  void save(torch::serialize::OutputArchive& archive) const override;
  // Refuses a file written by another optimizer or for other param groups.
  // SGD, Adam, AdamW, Adagrad and RMSprop also read the file their LibTorch
  // twin (torch::optim) writes (torch_optim_format.h).
  void load(torch::serialize::InputArchive& archive) override;
  // load(), but state saved in another state_precision than this
  // optimizer's is converted to it instead of refused (docs/low-memory.md
  // says what each conversion loses). Both keep this optimizer's
  // state_precision options: how state is stored is not the file's choice.
  void load_converting(torch::serialize::InputArchive& archive);
  // The class name, e.g. "gradus::optim::Adam"; recorded in saved state.
  const std::string& name() const noexcept { return name_; }
  // Adds a group that keeps its own options (a clone), or a clone of the
  // defaults when it has none. Hides Optimizer::add_param_group, which in
  // LibTorch 2.x rebuilds a group's options from the defaults and merges back
  // only the fields of LibTorch's own option types, losing gradus's.
  void add_param_group(const OptimizerParamGroup& param_group);
  // The state of `param` (e.g. an AdamParamState), or null before its first
  // step: what Python reads as optimizer.state[param], on any LibTorch.
  OptimizerParamState* state_of(const at::Tensor& param) { return find_state(param); }

  // Mixed precision, for any loss scaler (gradus::amp::GradScaler uses it):
  // a step whose fused pass divides the gradients by `grad_scale` (when
  // defined) and moves nothing, param, state or step count, where
  // `found_inf` is non-zero. The flag is read by the kernel, on the device:
  // never on the host. Both are one-element float32 tensors on the params'
  // device. Only for optimizers whose step is one fused pass over the
  // gradients (takes_grad_scale()); others refuse it.
  torch::Tensor step_with_scale(const at::Tensor& grad_scale, const at::Tensor& found_inf,
                                LossClosure closure = nullptr);
  virtual bool takes_grad_scale() const { return false; }

 protected:
  FusedOptimizer(std::vector<OptimizerParamGroup> param_groups,
                 std::unique_ptr<OptimizerOptions> defaults, std::string name);

  // Throws, naming the bad value, if options are invalid. Checked for every
  // group at construction (call check_all_options) and at every step.
  virtual void check_options(const OptimizerOptions& options) const = 0;
  virtual void step_bucket(const OptimizerOptions& options, ParamBucket& bucket) = 0;
  // Called once a group's buckets have stepped, to advance what the group
  // keeps of its own (Schedule-Free's step count and weights).
  virtual void after_group_step(OptimizerOptions& options) {}
  virtual std::unique_ptr<OptimizerParamState> make_empty_state() const = 0;
  // Throws, naming `which` ("param 1 of param group 0") and the tensor, if
  // state read by load() does not fit `param`. The elementwise optimizers'
  // operators check their state at every step; the hand-written ones
  // (SparseAdam, Muon) check it here, so that load() refuses it whole.
  virtual void check_loaded_state(const OptimizerParamState& state, const at::Tensor& param,
                                  const std::string& which) const {}
  // Whether state_precision and compensation other than the defaults are
  // taken (the elementwise optimizers'); others refuse them.
  virtual bool takes_low_precision() const { return false; }
  // Throws, naming the param, if `bucket` cannot be stepped with `options`;
  // called for every bucket of every group before any moves.
  virtual void check_bucket(const OptimizerOptions& options, const ParamBucket& bucket) const {}
  // True for an optimizer of sparse gradients (SparseAdam): step() then
  // refuses dense ones, where every other refuses sparse ones.
  virtual bool takes_sparse_gradients() const { return false; }

  void check_all_options() const;
  // check_options, and the low-precision options every optimizer has.
  void check_group_options(const OptimizerOptions& options) const;
  static void keep_state_precision(OptimizerOptions& loaded, const OptimizerOptions& current);
  // Set while load_converting() runs.
  bool converting_state_ = false;
  // While load() checks a group's state: the options read for that group.
  const OptimizerOptions* loaded_options_ = nullptr;
  // Checks state tensor `t` (the `entry` of `which`) read from a file: in a
  // precision, of its size for `param`, with finite int8 scales; converted
  // to `want` by load_converting(), refused by load() if in another.
  void check_state_precision(at::Tensor& t, const at::Tensor& param, const char* entry, const std::string& which,
                             StatePrecision want) const;
  // The one param group of a (params, options) constructor. An empty list
  // is refused, as PyTorch refuses it; param groups without params are not
  // (ZeRO gives some ranks none).
  static std::vector<OptimizerParamGroup> single_group(std::vector<at::Tensor> params, const std::string& name);
  // For ops::fused_step: the device lr of a capturable group whose params
  // are not on the CPU (elsewhere the lr travels as the options' value), and
  // step_with_scale()'s tensors.
  ops::StepTensors step_tensors(const OptimizerOptions& options) const;

  // The state of `param`, created by `init(state)` on first use.
  template <class State, class Init>
  State& state_for(const at::Tensor& param, Init&& init) {
    if (OptimizerParamState* found = find_state(param)) return static_cast<State&>(*found);
    auto created = std::make_unique<State>();
    init(*created);
    State& ref = *created;
    set_state(param, std::move(created));
    return ref;
  }
  // state_for over a list: the states of `params`, all looked up before any
  // is read (find_states), created by `init(state, param)` on first use.
  template <class State, class Init>
  std::vector<State*> states_for(at::TensorList params, Init&& init) {
    const std::vector<OptimizerParamState*> found = find_states(params);
    std::vector<State*> states(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      states[i] = found[i] ? static_cast<State*>(found[i])
                           : &state_for<State>(params[i], [&](State& fresh) { init(fresh, params[i]); });
    }
    return states;
  }
  OptimizerParamState* find_state(const at::Tensor& param);
  // The states of `params`, null where a param has none yet. A lookup is a
  // cache miss on a list of many small tensors: long lists are looked up on
  // every thread, and each state found is asked for before it is read.
  std::vector<OptimizerParamState*> find_states(at::TensorList params);
  void set_state(const at::Tensor& param, std::unique_ptr<OptimizerParamState> state);

 private:
  friend void save_as_torch_optim(const FusedOptimizer& optimizer, torch::serialize::OutputArchive& archive);
  void load_torch_optim(torch::serialize::InputArchive& archive);
  std::vector<ParamBucket> bucket_group(size_t group_index) const;
  // Gives `options` of a group holding `params` its own device lr when it is
  // capturable: `keep` (the tensor a captured graph reads) if defined, else
  // a new one; drops it otherwise.
  static void attach_device_lr(OptimizerOptions& options, const std::vector<at::Tensor>& params,
                               const at::Tensor& keep = {});
  std::string name_;
  at::Tensor grad_scale_, found_inf_;  // while step_with_scale() runs
};

}  // namespace optim
}  // namespace gradus
