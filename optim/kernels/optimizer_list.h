#pragma once
// Every gradus operator, one entry each: its per-element math (which brings
// its description, gradus/ops/<name>.h). Adding an optimizer's kernels is
// one include and one X(...) entry here.
#include "math/adadelta_math.h"
#include "math/adafactor_math.h"
#include "math/adagrad_math.h"
#include "math/adam_math.h"
#include "math/adamax_math.h"
#include "math/asgd_math.h"
#include "math/nadam_math.h"
#include "math/radam_math.h"
#include "math/rprop_math.h"
#include "math/rmsprop_math.h"
#include "math/sgd_math.h"
#include "math/update_interface.h"

// X(Name): ops::NameHyper is the description, math::NameUpdate the update.
#define GRADUS_FOR_EACH_OPTIMIZER(X) \
  X(Sgd)                             \
  X(Adam)                            \
  X(Adagrad)                         \
  X(Rmsprop)                         \
  X(Adadelta)                        \
  X(Adamax)                          \
  X(Radam)                           \
  X(Rprop)                           \
  X(Nadam)                           \
  X(Asgd)                            \
  X(Adafactor)

GRADUS_MATH_NAMESPACE_BEGIN
// The Update of each description.
template <class Hyper>
struct UpdateFor;
#define GRADUS_UPDATE_FOR(Name)                                                                  \
  template <>                                                                                    \
  struct UpdateFor<ops::Name##Hyper> {                                                           \
    using type = Name##Update;                                                                   \
    static_assert(Name##Update::kSlots == ops::Name##Hyper::slots().size(), "slot counts differ"); \
    static_assert(size_t(kScalarsOf<Name##Update>) == ops::scalar_names<ops::Name##Hyper>().size(),      \
                  "scalar counts differ");                                                       \
    static_assert(kScalarsOf<Name##Update> == 0 || ops::Name##Hyper::kStepCount == ops::StepCount::kInMath, \
                  "per-tensor scalars are advanced with the step count");                        \
    static_assert(size_t(kReductionsOf<Name##Update>) == ops::reduction_names<ops::Name##Hyper>().size(), \
                  "reduction counts differ");                                                    \
  };
GRADUS_FOR_EACH_OPTIMIZER(GRADUS_UPDATE_FOR)
#undef GRADUS_UPDATE_FOR
GRADUS_MATH_NAMESPACE_END
