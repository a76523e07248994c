# The gradus library: optimizer classes, schedulers, operator schemas and CPU kernels.
# One shared library, because the operators register themselves from static
# initializers, which a static archive would let the linker drop.
include(GradusCpuKernels)

# An elementwise optimizer is its header (declaration and math) and its entry
# in optim/include/gradus/optim/optimizers.h; optim/src holds what all of
# them share and the hand-written classes.
file(GLOB gradus_optimizer_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/optim/src/*.cpp)
set(gradus_sources
  ${gradus_optimizer_sources}
  optim/kernels/operator_schemas.cpp
  optim/kernels/fused_call.cpp
  optim/kernels/fused_call_checks.cpp
  optim/kernels/cpu/cpu_capability.cpp
  optim/kernels/cpu/cpu_registration.cpp
  optim/kernels/cuda/launch_plan.cpp
)
# Compiled once per CPU instruction set (GradusCpuKernels.cmake).
set(gradus_cpu_kernel_sources optim/kernels/cpu/cpu_kernels.cpp)
file(GLOB gradus_scheduler_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/schedulers/src/*.cpp)
list(APPEND gradus_sources ${gradus_scheduler_sources})

add_library(gradus SHARED ${gradus_sources})
add_library(gradus::gradus ALIAS gradus)
target_include_directories(gradus
  PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/optim/include>
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/schedulers/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
  PRIVATE
    ${CMAKE_CURRENT_SOURCE_DIR}/optim/kernels)
# The imported target, not ${TORCH_LIBRARIES}: that list holds the build
# machine's absolute library paths, which would end up in the installed package.
target_link_libraries(gradus PUBLIC torch)
# zlib's CRC-32 checks the records of the files gradus::serialize loads.
find_package(ZLIB REQUIRED)
target_link_libraries(gradus PRIVATE ZLIB::ZLIB)
target_compile_features(gradus PUBLIC cxx_std_${GRADUS_CXX_STANDARD})
target_compile_options(gradus PRIVATE -Wall -Wextra -Wno-unused-parameter)
set_target_properties(gradus PROPERTIES
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR})

gradus_add_cpu_kernels(gradus "${gradus_cpu_kernel_sources}")
# The operators' files need the optimizers' descriptions and math, not their
# classes (gradus/optim/declaration.h).
set_source_files_properties(
  optim/kernels/operator_schemas.cpp optim/kernels/fused_call.cpp optim/kernels/fused_call_checks.cpp
  optim/kernels/cpu/cpu_registration.cpp optim/src/fused_step.cpp
  PROPERTIES COMPILE_DEFINITIONS GRADUS_MATH_ONLY)
# Files outside the kernels that go over long lists with at::parallel_for
# (optim/kernels/parallel_for.h): compiled with ATen's OpenMP flag too, or
# their pragma is dropped and they run on one thread.
set(gradus_parallel_sources
  optim/kernels/fused_call_checks.cpp
  optim/src/fused_optimizer.cpp)
set_source_files_properties(${gradus_parallel_sources} PROPERTIES
  COMPILE_OPTIONS "${GRADUS_OPENMP_COMPILE_FLAG}")

include(GradusCuda)
