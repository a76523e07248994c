#pragma once
// Every gradus operator (gradus/optim/optimizers.h), with its per-element
// math: math::UpdateFor<ops::NameHyper>::type is math::NameUpdate.
#include <gradus/optim/optimizers.h>

#include "math/update_interface.h"

GRADUS_MATH_NAMESPACE_BEGIN
template <class Hyper>
struct UpdateFor;
#define GRADUS_UPDATE_FOR(Name)                                                                                   \
  template <>                                                                                                     \
  struct UpdateFor<ops::Name##Hyper> {                                                                            \
    using type = Name##Update;                                                                                    \
    static_assert(kScalarsOf<Name##Update> == 0 || ops::Name##Hyper::kStepCount == ops::StepCount::kInMath,     \
                  "per-tensor scalars are advanced with the step count");                                        \
  };
GRADUS_FOR_EACH_OPERATOR(GRADUS_UPDATE_FOR)
#undef GRADUS_UPDATE_FOR
GRADUS_MATH_NAMESPACE_END
