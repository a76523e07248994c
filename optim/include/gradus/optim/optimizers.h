#pragma once
// Every gradus optimizer. An elementwise optimizer is its header (its
// declaration and per-element math, gradus/optim/declaration.h) and one
// entry here: its include and its X(Name) in GRADUS_FOR_EACH_ELEMENTWISE.
#include <gradus/optim/adadelta.h>
#include <gradus/optim/adafactor.h>
#include <gradus/optim/adagrad.h>
#include <gradus/optim/adam.h>
#include <gradus/optim/adamax.h>
#include <gradus/optim/adamw.h>
#include <gradus/optim/ademamix.h>
#include <gradus/optim/adopt.h>
#include <gradus/optim/asgd.h>
#include <gradus/optim/lamb.h>
#include <gradus/optim/lars.h>
#include <gradus/optim/lion.h>
#include <gradus/optim/nadam.h>
#include <gradus/optim/radam.h>
#include <gradus/optim/rmsprop.h>
#include <gradus/optim/rprop.h>
#include <gradus/optim/schedule_free.h>
#include <gradus/optim/muon.h>
#include <gradus/optim/sgd.h>
#include <gradus/optim/sparse_adam.h>

// The optimizers whose class is ElementwiseOptimizer's and whose operator
// is their own: X(Name) for optim::Name, ops::NameHyper, math::NameUpdate.
#define GRADUS_FOR_EACH_ELEMENTWISE(X) \
  X(SGD)                               \
  X(Adam)                              \
  X(Adagrad)                           \
  X(RMSprop)                           \
  X(Adadelta)                          \
  X(Adamax)                            \
  X(RAdam)                             \
  X(Rprop)                             \
  X(NAdam)                             \
  X(ASGD)                              \
  X(Lion)                              \
  X(ADOPT)                             \
  X(AdEMAMix)                          \
  X(LAMB)                              \
  X(LARS)                              \
  X(SGDScheduleFree)                   \
  X(AdamWScheduleFree)                 \
  X(RAdamScheduleFree)

// Every fused operator gradus::<name>_: ops::NameHyper, math::NameUpdate.
#define GRADUS_FOR_EACH_OPERATOR(X) GRADUS_FOR_EACH_ELEMENTWISE(X) X(Adafactor)
// Every class with ElementwiseOptimizer's step (variants run another's operator).
#define GRADUS_FOR_EACH_ELEMENTWISE_CLASS(X) GRADUS_FOR_EACH_ELEMENTWISE(X) X(AdamW)
// Every description, operator or not (the checks of every options type).
#define GRADUS_FOR_EACH_DESCRIPTION(X) GRADUS_FOR_EACH_OPERATOR(X) X(Muon) X(SparseAdam)

namespace gradus {
namespace ops {
// The names some descriptions had before they took their optimizer's.
using AsgdHyper = ASGDHyper;
using NadamHyper = NAdamHyper;
using RadamHyper = RAdamHyper;
using RmspropHyper = RMSpropHyper;
using SgdHyper = SGDHyper;
}  // namespace ops
}  // namespace gradus
