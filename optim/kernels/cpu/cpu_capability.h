#pragma once
// CPU kernels are compiled once per instruction set (DEFAULT, and AVX2 where
// the compiler and ATen's headers allow), each copy in its own namespace
// named by CPU_CAPABILITY so the copies never clash at link time; the
// DEFAULT copy registers a kernel chosen at load time (see
// GRADUS_REGISTER_CPU_KERNEL). This mirrors ATen's own DispatchStub.
#include <torch/library.h>

#include "cpu/capability_select.h"

#ifndef CPU_CAPABILITY
#error "CPU kernels are built with CPU_CAPABILITY defined (see cmake/GradusLibrary.cmake)"
#endif

#if defined(GRADUS_CPU_BASELINE) && defined(GRADUS_HAVE_AVX2)
#define GRADUS_DECLARE_AVX2(fn)                                    \
  namespace gradus { namespace cpu { namespace AVX2 {              \
  extern decltype(::gradus::cpu::DEFAULT::fn) fn;                  \
  } } }
#define GRADUS_PICK(fn)                                                      \
  (::gradus::cpu::selected_capability() == ::gradus::cpu::Capability::kAvx2 \
       ? &::gradus::cpu::AVX2::fn                                            \
       : &::gradus::cpu::DEFAULT::fn)
#else
#define GRADUS_DECLARE_AVX2(fn)
#define GRADUS_PICK(fn) (&::gradus::cpu::DEFAULT::fn)
#endif

#if defined(GRADUS_CPU_BASELINE)
// Registers `fn` (defined in every capability's namespace) as the CPU kernel of `op`.
#define GRADUS_REGISTER_CPU_KERNEL(op, fn) \
  GRADUS_DECLARE_AVX2(fn)                   \
  TORCH_LIBRARY_IMPL(gradus, CPU, m) {      \
    m.impl(op, GRADUS_PICK(fn));            \
  }
#else
#define GRADUS_REGISTER_CPU_KERNEL(op, fn)
#endif
