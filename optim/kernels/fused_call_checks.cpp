// The argument checks every backend of every gradus operator shares.
#include <ATen/MemoryOverlap.h>
#include <c10/util/Exception.h>

#include <atomic>
#include <cmath>
#include <sstream>

#include <gradus/ops/fused_step.h>
#include <gradus/optim/elementwise_optimizer.h>
#include <gradus/optim/state_codec.h>

#include "fused_call.h"
#include "optimizer_list.h"
#include "parallel_for.h"

namespace gradus {
namespace kernels {
namespace {

bool in_range(double v, ops::Range range) {
  if (!std::isfinite(v)) return false;
  switch (range) {
    case ops::Range::kAny: return true;
    case ops::Range::kNonNegative: return v >= 0;
    case ops::Range::kPositive: return v > 0;
    case ops::Range::kUnitOpen: return 0 <= v && v < 1;
    case ops::Range::kUnit: return 0 <= v && v <= 1;
    case ops::Range::kNonPositive: return v <= 0;
    case ops::Range::kAtLeastOne: return v >= 1;
  }
  return false;
}

const char* range_text(ops::Range range) {
  switch (range) {
    case ops::Range::kAny: return "must be finite";
    case ops::Range::kNonNegative: return "must be finite and >= 0";
    case ops::Range::kPositive: return "must be finite and > 0";
    case ops::Range::kUnitOpen: return "must be in [0, 1)";
    case ops::Range::kUnit: return "must be in [0, 1]";
    case ops::Range::kNonPositive: return "must be finite and <= 0";
    case ops::Range::kAtLeastOne: return "must be finite and >= 1";
  }
  return "";
}

bool is_supported_dtype(at::ScalarType t) {
  return t == at::kFloat || t == at::kDouble || t == at::kHalf || t == at::kBFloat16;
}

void check_length(const std::string& op, const char* name, size_t size, size_t expected) {
  TORCH_CHECK(size == expected, op, ": ", name, " has ", size, " tensors but params has ", expected);
}

void check_same_device(const std::string& op, const char* name, size_t i, const at::Tensor& t,
                       const at::Tensor& param0) {
  TORCH_CHECK(t.device() == param0.device(), op, ": ", name, "[", i, "] is on device ", t.device(),
              " but params[0] is on ", param0.device(), "; one call updates tensors of one device");
}

void check_param_and_grad(const std::string& op, size_t i, const at::Tensor& param, const at::Tensor& grad,
                          const at::Tensor& param0) {
  TORCH_CHECK(param.defined(), op, ": params[", i, "] is undefined");
  TORCH_CHECK(grad.defined(), op, ": grads[", i, "] is undefined");
  TORCH_CHECK(param.layout() == at::kStrided, op, ": params[", i, "] has layout ", param.layout());
  TORCH_CHECK(!grad.is_sparse() && grad.layout() == at::kStrided, op, ": grads[", i,
              "] is a sparse tensor; gradus optimizers support dense gradients only");
  TORCH_CHECK(is_supported_dtype(param.scalar_type()), op, ": params[", i, "] has dtype ", param.scalar_type(),
              "; gradus kernels take float, double, half or bfloat16 parameters");
  TORCH_CHECK(param.scalar_type() == param0.scalar_type(), op, ": params[", i, "] has dtype ",
              param.scalar_type(), " but params[0] has ", param0.scalar_type(), "; one call updates one dtype");
  check_same_device(op, "params", i, param, param0);
  check_same_device(op, "grads", i, grad, param0);
  TORCH_CHECK(grad.scalar_type() == param.scalar_type(), op, ": grads[", i, "] has dtype ",
              grad.scalar_type(), " but params[", i, "] has dtype ", param.scalar_type());
  TORCH_CHECK(grad.sizes() == param.sizes(), op, ": grads[", i, "] has shape ", grad.sizes(),
              " but params[", i, "] has shape ", param.sizes());
  // An update written through a self-overlapping view (e.g. expand())
  // would write one element several times.
  TORCH_CHECK(param.is_contiguous() || at::has_internal_overlap(param) != at::MemOverlap::Yes, op, ": params[", i,
              "] (shape ", param.sizes(), ", strides ", param.strides(), ") has elements that share memory");
}

// The format of a state tensor of `param`, or an error naming what it
// should be. The Kahan buffer (`compensation`) is in the param's dtype; other
// state in its math dtype, or in bfloat16 or packed 8-bit codes for float,
// float16 and bfloat16 params (optim/precision.h).
StateFormat check_state(const std::string& op, const char* name, size_t i, const at::Tensor& state,
                        const at::Tensor& param, const at::Tensor& param0, bool compensation) {
  TORCH_CHECK(state.defined(), op, ": ", name, "[", i, "] is undefined");
  check_same_device(op, name, i, state, param0);
  TORCH_CHECK(state.is_contiguous(), op, ": ", name, "[", i, "] must be contiguous");
  const at::ScalarType dtype = state.scalar_type(), param_dtype = param.scalar_type();
  const bool reduced_param = param_dtype == at::kHalf || param_dtype == at::kBFloat16;
  if (compensation) {
    TORCH_CHECK(reduced_param, op, ": ", name, "[", i, "]: Kahan compensation is for float16 and bfloat16 params, ",
                "but params[", i, "] is ", param_dtype);
    TORCH_CHECK(dtype == param_dtype && state.sizes() == param.sizes(), op, ": ", name, "[", i, "] is ", dtype, " ",
                state.sizes(), " but the Kahan buffer of params[", i, "] is ", param_dtype, " ", param.sizes());
    return param_dtype == at::kHalf ? kHalfState : kBFloat16State;
  }
  const auto want = state_dtype_for(param_dtype);
  const bool low_state = dtype == at::kBFloat16 || dtype == at::kChar;
  TORCH_CHECK(dtype == want || (low_state && (param_dtype == at::kFloat || reduced_param)), op, ": ", name, "[", i,
              "] has dtype ", dtype, " but a ", param_dtype, " parameter keeps ", want,
              (param_dtype == at::kDouble ? "" : ", bfloat16 or int8"), " state");
  if (dtype == at::kChar) {
    const int64_t bytes = math::quant_bytes(param.numel());
    TORCH_CHECK(state.dim() == 1 && state.numel() == bytes, op, ": ", name, "[", i, "] has shape ", state.sizes(),
                " but the int8 state of params[", i, "] (", param.numel(), " elements) is [", bytes, "]");
    return kQuant8State;
  }
  TORCH_CHECK(state.sizes() == param.sizes(), op, ": ", name, "[", i, "] has shape ", state.sizes(),
              " but params[", i, "] has shape ", param.sizes());
  return dtype == at::kBFloat16 && want != at::kBFloat16 ? kBFloat16State : kOpmath;
}

// lr, grad_scale, found_inf and the step counts: one-element float32 tensors
// on the params' device. `index` >= 0 names an element of a list.
void check_scalar_tensor(const std::string& op, const char* name, const at::Tensor& t, const at::Device& device,
                         int64_t index = -1) {
  if (t.numel() == 1 && t.scalar_type() == at::kFloat && t.device() == device) return;
  const std::string which = index < 0 ? std::string(name) : std::string(name) + "[" + std::to_string(index) + "]";
  TORCH_CHECK(false, op, ": ", which, " must be a one-element float32 tensor on ", device, ", got ", t.numel(),
              " elements of ", t.scalar_type(), " on ", t.device());
}

// Tensor metadata lies wherever each tensor was allocated: on a list of many
// small tensors, reading it is a chain of cache misses (tensor, then its
// storage). The pass below asks for tensor i + kAhead's metadata and
// storage i + kAhead / 2's while it checks tensor i.
constexpr size_t kAhead = 8;

void prefetch_metadata(const at::Tensor& t) {
  const char* impl = reinterpret_cast<const char*>(t.unsafeGetTensorImpl());
  for (size_t line = 0; line < sizeof(c10::TensorImpl); line += 64) __builtin_prefetch(impl + line);
}

void prefetch_storage(const at::Tensor& t) {
  if (t.defined() && t.has_storage()) __builtin_prefetch(t.unsafeGetTensorImpl()->unsafe_storage().unsafeGetStorageImpl());
}

template <class Hyper, class F>
void for_each_list(const FusedCall<Hyper>& call, F&& f) {
  f(call.params);
  f(call.grads);
  for (const auto& slot : call.state) f(slot);
  f(call.steps);
  for (const auto& scalar : call.scalars) f(scalar);
}

template <class Hyper>
void prefetch_ahead(const FusedCall<Hyper>& call, size_t i) {
  for_each_list(call, [&](at::TensorList list) {
    if (i + kAhead < list.size()) prefetch_metadata(list[i + kAhead]);
    if (i + kAhead / 2 < list.size()) prefetch_storage(list[i + kAhead / 2]);
  });
}

// Checks tensor i of every list and records its data pointers; returns
// whether its param and grad are contiguous.
template <class Hyper>
bool check_tensor(FusedCall<Hyper>& call, size_t i, const at::Tensor& param0, std::atomic<bool>& plain) {
  bool plain_state = true;
  TensorPointers& out = call.pointers;
  prefetch_ahead(call, i);
  check_param_and_grad(call.op, i, call.params[i], call.grads[i], param0);
  out.params[i] = call.params[i].data_ptr();
  out.grads[i] = call.grads[i].data_ptr();
  out.numels[i] = call.params[i].numel();
  for (size_t k = 0; k < kSlotCount<Hyper>; ++k) {
    if (call.state[k].empty()) continue;
    // A declared operator's last list is its Kahan buffers (GRADUS_ALL_STATE).
    const bool compensation = ops::kHasRounding<Hyper> && k + 1 == kSlotCount<Hyper>;
    out.state_formats[k][i] = check_state(call.op, Hyper::slots()[k], i, call.state[k][i], call.params[i], param0,
                                          compensation);
    if (out.state_formats[k][i] != kOpmath) plain_state = false;
    out.state[k][i] = call.state[k][i].data_ptr();
  }
  if (!call.steps.empty()) {
    TORCH_CHECK(call.steps[i].defined(), call.op, ": state_steps[", i, "] is undefined");
    check_scalar_tensor(call.op, "state_steps", call.steps[i], param0.device(), static_cast<int64_t>(i));
    out.steps[i] = static_cast<float*>(call.steps[i].data_ptr());
  }
  for (size_t k = 0; k < kScalarCount<Hyper>; ++k) {
    const char* name = ops::scalar_names<Hyper>()[k];
    TORCH_CHECK(call.scalars[k][i].defined(), call.op, ": ", name, "[", i, "] is undefined");
    check_scalar_tensor(call.op, name, call.scalars[k][i], param0.device(), static_cast<int64_t>(i));
    out.scalars[k][i] = static_cast<float*>(call.scalars[k][i].data_ptr());
  }
  if (!plain_state) plain.store(false, std::memory_order_relaxed);
  return call.params[i].is_contiguous() && call.grads[i].is_contiguous();
}

// Stochastic rounding rounds float16 and bfloat16 params only.
template <class Hyper>
void check_rounding(const FusedCall<Hyper>& call) {
  if constexpr (ops::kHasRounding<Hyper>) {
    const at::ScalarType dtype = call.params[0].scalar_type();
    TORCH_CHECK(!call.hyper.stochastic_rounding || dtype == at::kHalf || dtype == at::kBFloat16, call.op,
                ": stochastic rounding is for float16 and bfloat16 params, but params[0] is ", dtype);
  }
}

// Checks every list and records its data pointers, in one pass over the
// tensors (parallel_checked: both threads on long lists, and the first bad
// tensor's error).
template <class Hyper>
void check_lists(FusedCall<Hyper>& call) {
  const size_t n = call.params.size();
  check_length(call.op, "grads", call.grads.size(), n);
  for (size_t k = 0; k < kSlotCount<Hyper>; ++k) {
    const auto& slot = call.state[k];
    if (Hyper::slot_used(call.hyper, k) || !slot.empty()) check_length(call.op, Hyper::slots()[k], slot.size(), n);
  }
  if (Hyper::kStepCount != ops::StepCount::kNone) check_length(call.op, "state_steps", call.steps.size(), n);
  for (size_t k = 0; k < kScalarCount<Hyper>; ++k) {
    check_length(call.op, ops::scalar_names<Hyper>()[k], call.scalars[k].size(), n);
  }
  TensorPointers& out = call.pointers;
  out.params.resize(n);
  out.grads.resize(n);
  out.numels.resize(n);
  out.state.assign(kSlotCount<Hyper>, {});
  out.state_formats.assign(kSlotCount<Hyper>, {});
  for (size_t k = 0; k < kSlotCount<Hyper>; ++k) {
    out.state[k].resize(call.state[k].size());
    out.state_formats[k].resize(call.state[k].size());
  }
  out.steps.resize(call.steps.size());
  out.scalars.assign(kScalarCount<Hyper>, std::vector<float*>(n));
  out.all_contiguous = true;
  if (n == 0) return;
  const at::Tensor& param0 = call.params[0];
  TORCH_CHECK(param0.defined(), call.op, ": params[0] is undefined");
  std::atomic<bool> all_contiguous{true}, plain_state{true};
  parallel_checked(n, kTensorsPerTask, [&](size_t i) {
    if (!check_tensor(call, i, param0, plain_state)) all_contiguous.store(false, std::memory_order_relaxed);
  });
  out.all_contiguous = all_contiguous;
  out.plain_state = plain_state;
  check_rounding(call);
}


// Checks every value against its field's range and the combination rule.
template <class Hyper>
void check_values(const std::string& who, const Hyper& hyper, bool check_lr) {
  std::ostringstream values;  // every value, for a message about their combination
  values << std::boolalpha;
  for_each_field<Hyper>([&](const auto& field) {
    const auto value = hyper.*field.member;
    values << (values.tellp() > 0 ? ", " : "") << field.name << ": " << value;
    if constexpr (std::is_same_v<std::decay_t<decltype(value)>, double>) {
      if (!check_lr && std::string(field.name) == "lr") return;
      TORCH_CHECK(in_range(value, field.range), who, ": invalid ", field.what, ": ", value, " (",
                  range_text(field.range), ")");
    }
  });
  const char* problem = invalid_combination(hyper);
  TORCH_CHECK(problem == nullptr, who, ": ", problem, " (", values.str(), ")");
}

// Whether `hyper` holds the values an optimizer class checked (CheckedValues).
template <class Hyper>
bool checked_before(const Hyper& hyper) {
  const Hyper* checked = CheckedValues<Hyper>::current();
  if (checked == nullptr) return false;
  bool same = true;
  for_each_field<Hyper>([&](const auto& field) { same = same && hyper.*field.member == checked->*field.member; });
  return same;
}

}  // namespace

template <class Hyper>
void check_call(FusedCall<Hyper>& call) {
  check_lists(call);
  // With no params there is no device to agree with; the form is still checked.
  auto device_for = [&](const at::Tensor& t) { return call.params.empty() ? t.device() : call.params[0].device(); };
  if (call.lr.defined()) {
    check_scalar_tensor(call.op, "lr", call.lr, device_for(call.lr));
    // A host lr is read here and carried on as hyper.lr, which is checked.
    // A device lr is read only by the kernel: a sync here would break graph
    // capture.
    if (call.lr.device().is_cpu()) {
      call.hyper.lr = call.lr.template item<double>();
      call.lr = at::Tensor();
    }
  }
  if (!checked_before(call.hyper)) check_values(call.op, call.hyper, /*check_lr=*/!call.lr.defined());
  if (call.grad_scale.defined()) check_scalar_tensor(call.op, "grad_scale", call.grad_scale, device_for(call.grad_scale));
  if (call.found_inf.defined()) check_scalar_tensor(call.op, "found_inf", call.found_inf, device_for(call.found_inf));
}

#define GRADUS_INSTANTIATE_CHECKS(Name) template void check_call<ops::Name##Hyper>(FusedCall<ops::Name##Hyper>&);
GRADUS_FOR_EACH_OPERATOR(GRADUS_INSTANTIATE_CHECKS)
#undef GRADUS_INSTANTIATE_CHECKS

}  // namespace kernels

namespace ops {

template <class Hyper>
void check_hyper(const std::string& who, const Hyper& hyper) {
  kernels::check_values(who, hyper, /*check_lr=*/true);
}

#define GRADUS_INSTANTIATE_CHECKS(Name) template void check_hyper<Name##Hyper>(const std::string&, const Name##Hyper&);
GRADUS_FOR_EACH_DESCRIPTION(GRADUS_INSTANTIATE_CHECKS)
#undef GRADUS_INSTANTIATE_CHECKS

}  // namespace ops

namespace optim {
namespace detail {

void check_option(const std::string& who, const char* what, double value, ops::Range range) {
  TORCH_CHECK(kernels::in_range(value, range), who, ": invalid ", what, ": ", value, " (",
              kernels::range_text(range), ")");
}

}  // namespace detail
}  // namespace optim
}  // namespace gradus
