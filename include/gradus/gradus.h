#pragma once
// Everything gradus offers. Each class also has its own header.
#include <gradus/optim/adadelta.h>
#include <gradus/optim/adafactor.h>
#include <gradus/optim/adagrad.h>
#include <gradus/optim/adam.h>
#include <gradus/optim/adamax.h>
#include <gradus/optim/adamw.h>
#include <gradus/optim/asgd.h>
#include <gradus/optim/muon.h>
#include <gradus/optim/nadam.h>
#include <gradus/optim/radam.h>
#include <gradus/ops/fused_step.h>
#include <gradus/optim/rmsprop.h>
#include <gradus/optim/rprop.h>
#include <gradus/optim/sgd.h>
#include <gradus/optim/sparse_adam.h>
#include <gradus/schedulers/schedulers.h>
