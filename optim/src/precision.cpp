// The low-precision options' names, and how the options save them.
#include <gradus/optim/fused_optimizer.h>
#include <torch/serialize/archive.h>

#include <c10/util/Exception.h>

namespace gradus {
namespace optim {
namespace {

constexpr const char* kPrecisionNames[] = {"float32", "bfloat16", "int8"};
constexpr const char* kCompensationNames[] = {"none", "kahan", "stochastic_rounding"};

template <class Enum, size_t N>
Enum from_name(const std::string& name, const char* const (&names)[N], const char* what) {
  std::string choices;
  for (size_t i = 0; i < N; ++i) {
    if (name == names[i]) return static_cast<Enum>(i);
    choices += (i ? ", " : "") + std::string(names[i]);
  }
  TORCH_CHECK(false, "gradus: unknown ", what, " '", name, "' (one of ", choices, ")");
}

}  // namespace

const char* to_string(StatePrecision precision) { return kPrecisionNames[static_cast<int>(precision)]; }
const char* to_string(Compensation compensation) { return kCompensationNames[static_cast<int>(compensation)]; }

StatePrecision state_precision_from_string(const std::string& name) {
  return from_name<StatePrecision>(name, kPrecisionNames, "state_precision");
}

Compensation compensation_from_string(const std::string& name) {
  return from_name<Compensation>(name, kCompensationNames, "compensation");
}

// Written only when set, so that files of float32 optimizers are as before.
void FusedOptionsBase::write_precision(torch::serialize::OutputArchive& archive) const {
  if (state_precision_ != StatePrecision::float32) archive.write("state_precision", std::string(to_string(state_precision_)));
  if (state_precision_min_numel_ != kStatePrecisionMinNumel) {
    archive.write("state_precision_min_numel", c10::IValue(state_precision_min_numel_));
  }
  if (compensation_ != Compensation::none) archive.write("compensation", std::string(to_string(compensation_)));
  if (rounding_seed_ != 0) archive.write("rounding_seed", c10::IValue(rounding_seed_));
  if (compensation_ == Compensation::stochastic_rounding) archive.write("rounding_step", c10::IValue(rounding_step_));
}

// What a file lacks is the default; a value of the wrong kind is refused.
void FusedOptionsBase::read_precision(torch::serialize::InputArchive& archive) {
  c10::IValue v;
  auto text = [&](const char* key) {
    TORCH_CHECK(v.isString(), "gradus: the state file's ", key, " is not a name");
    return v.toStringRef();
  };
  auto integer = [&](const char* key) {
    TORCH_CHECK(v.isInt(), "gradus: the state file's ", key, " is not an integer");
    return v.toInt();
  };
  state_precision_ = archive.try_read("state_precision", v) ? state_precision_from_string(text("state_precision"))
                                                            : StatePrecision::float32;
  state_precision_min_numel_ = archive.try_read("state_precision_min_numel", v)
                                   ? integer("state_precision_min_numel")
                                   : kStatePrecisionMinNumel;
  compensation_ = archive.try_read("compensation", v) ? compensation_from_string(text("compensation"))
                                                      : Compensation::none;
  rounding_seed_ = archive.try_read("rounding_seed", v) ? integer("rounding_seed") : 0;
  rounding_step_ = archive.try_read("rounding_step", v) ? integer("rounding_step") : 0;
}

}  // namespace optim
}  // namespace gradus
