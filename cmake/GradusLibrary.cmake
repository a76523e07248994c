# The gradus library: optimizer classes, schedulers, operator schemas and CPU kernels.
# One shared library, because the operators register themselves from static
# initializers, which a static archive would let the linker drop.
include(GradusCpuKernels)

set(GRADUS_OPTIMIZERS sgd adam adagrad rmsprop adadelta)

set(gradus_sources
  optim/kernels/operator_schemas.cpp
  optim/kernels/tensor_list_checks.cpp
  optim/kernels/cpu/cpu_capability.cpp
  optim/kernels/cuda/launch_plan.cpp
  optim/src/fused_optimizer.cpp
  optim/src/fused_ops.cpp
  optim/src/adamw.cpp
)
set(gradus_cpu_kernel_sources)
foreach(name IN LISTS GRADUS_OPTIMIZERS)
  list(APPEND gradus_sources optim/src/${name}.cpp)
  list(APPEND gradus_cpu_kernel_sources optim/kernels/cpu/${name}_kernel.cpp)
endforeach()
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
target_compile_features(gradus PUBLIC cxx_std_${GRADUS_CXX_STANDARD})
target_compile_options(gradus PRIVATE -Wall -Wextra -Wno-unused-parameter)
set_target_properties(gradus PROPERTIES
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR})

gradus_add_cpu_kernels(gradus "${gradus_cpu_kernel_sources}")

include(GradusCuda)
