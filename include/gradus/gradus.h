#pragma once
// Everything gradus offers. Each class also has its own header.
#include <gradus/amp.h>
#include <gradus/clip_grad.h>
#include <gradus/ops/fused_step.h>
#include <gradus/optim/optimizers.h>
#include <gradus/schedulers/schedulers.h>
