// Schemas, derived from each operator's description.
#include "fused_call.h"

#include <cstring>
#include <type_traits>

#include "optimizer_list.h"

namespace gradus {
namespace kernels {
namespace {

template <class T>
constexpr const char* schema_type() {
  return std::is_same_v<T, bool> ? "bool" : "float";
}

// The value type of a Field<Hyper, T>.
template <class Hyper, class T>
constexpr T value_type_of(const ops::Field<Hyper, T>&) {
  return T{};
}

bool is_lr(const char* name) { return std::strcmp(name, "lr") == 0; }

}  // namespace

at::ScalarType state_dtype_for(at::ScalarType param_dtype) {
  return (param_dtype == at::kHalf || param_dtype == at::kBFloat16) ? at::kFloat : param_dtype;
}

// e.g. "adam_.tensor_lr(Tensor(a!)[] params, Tensor(b!)[] grads, Tensor(c!)[] exp_avgs, ...,
// Tensor(f!)[] state_steps, *, Tensor lr, float beta1, ..., bool amsgrad, ...,
// Tensor? grad_scale=None, Tensor? found_inf=None) -> ()"
template <class Hyper>
std::string schema_of(bool tensor_lr) {
  std::string s = std::string(Hyper::kName) + (tensor_lr ? ".tensor_lr(" : "(");
  char alias = 'a';
  auto mutable_list = [&](const char* name) {
    s += std::string("Tensor(") + alias++ + "!)[] " + name + ", ";
  };
  mutable_list("params");
  mutable_list("grads");
  for (const char* slot : Hyper::slots()) mutable_list(slot);
  if (Hyper::kStepCount != ops::StepCount::kNone) mutable_list("state_steps");
  for (const char* scalar : ops::scalar_names<Hyper>()) mutable_list(scalar);
  s += "*, ";
  for_each_field<Hyper>([&](const auto& field) {
    using T = decltype(value_type_of(field));
    s += (tensor_lr && is_lr(field.name)) ? std::string("Tensor") : std::string(schema_type<T>());
    s += std::string(" ") + field.name + ", ";
  });
  s += "Tensor? grad_scale=None, Tensor? found_inf=None) -> ()";
  return s;
}

ContiguousCopies::ContiguousCopies(at::TensorList params, at::TensorList grads, bool grads_written,
                                   TensorPointers& pointers) {
  if (pointers.all_contiguous) return;  // found by check_call's pass; saves one more
  for (size_t i = 0; i < params.size(); ++i) {
    if (!params[i].is_contiguous()) {
      at::Tensor copy = params[i].contiguous();
      pointers.params[i] = copy.data_ptr();
      copies_.emplace_back(params[i], copy);
    }
    if (!grads[i].is_contiguous()) {
      at::Tensor copy = grads[i].contiguous();
      pointers.grads[i] = copy.data_ptr();
      if (grads_written) {
        copies_.emplace_back(grads[i], copy);
      } else {
        kept_.push_back(copy);
      }
    }
  }
}

void ContiguousCopies::write_back() {
  for (auto& [original, copy] : copies_) original.copy_(copy);
  copies_.clear();
  kept_.clear();
}

#define GRADUS_INSTANTIATE_CALL(Name) template std::string schema_of<ops::Name##Hyper>(bool);
GRADUS_FOR_EACH_OPERATOR(GRADUS_INSTANTIATE_CALL)

}  // namespace kernels
}  // namespace gradus
