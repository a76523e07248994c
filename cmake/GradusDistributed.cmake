# gradus::distributed (libgradus_distributed): process groups, gradient
# averaging and ZeRO-1 on c10d. Built when Torch has c10d with Gloo and
# Gloo's headers are found (Debian: libgloo-dev); ProcessGroupGloo itself is
# in Torch's own library.
set(GRADUS_WITH_DISTRIBUTED AUTO CACHE STRING "Build gradus::distributed: ON, OFF or AUTO (when c10d and Gloo are found)")
set(GRADUS_HAS_DISTRIBUTED OFF)
if(NOT GRADUS_WITH_DISTRIBUTED STREQUAL "OFF")
  find_path(GRADUS_C10D_INCLUDE_DIR torch/csrc/distributed/c10d/ProcessGroupGloo.hpp HINTS ${TORCH_INCLUDE_DIRS})
  find_path(GRADUS_GLOO_INCLUDE_DIR gloo/algorithm.h HINTS ${TORCH_INCLUDE_DIRS})
  if(GRADUS_C10D_INCLUDE_DIR AND GRADUS_GLOO_INCLUDE_DIR)
    set(GRADUS_HAS_DISTRIBUTED ON)
  elseif(GRADUS_WITH_DISTRIBUTED STREQUAL "ON")
    message(FATAL_ERROR "GRADUS_WITH_DISTRIBUTED=ON but c10d's ProcessGroupGloo.hpp or Gloo's headers "
                        "(Debian: libgloo-dev) were not found")
  endif()
endif()
message(STATUS "gradus: distributed (c10d, Gloo) ${GRADUS_HAS_DISTRIBUTED}")

if(GRADUS_HAS_DISTRIBUTED)
  add_library(gradus_distributed SHARED
    distributed/src/process_group.cpp
    distributed/src/flat_buckets.cpp
    distributed/src/gradient_averager.cpp
    distributed/src/zero_redundancy_optimizer.cpp)
  add_library(gradus::distributed ALIAS gradus_distributed)
  target_include_directories(gradus_distributed
    PUBLIC
      $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/distributed/include>
      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE
      ${CMAKE_CURRENT_SOURCE_DIR}/optim/src
      ${GRADUS_GLOO_INCLUDE_DIR})
  # ProcessGroupGloo.hpp declares its class only with USE_C10D_GLOO.
  target_compile_definitions(gradus_distributed PRIVATE USE_C10D_GLOO)
  # NCCL for CUDA tensors: a LibTorch with CUDA, c10d's ProcessGroupNCCL and
  # NCCL's header (Debian: libnccl-dev). Without it, CUDA tensors are refused.
  set(GRADUS_DISTRIBUTED_NCCL OFF)
  if(GRADUS_TORCH_HAS_CUDA)
    find_path(GRADUS_NCCL_INCLUDE_DIR nccl.h HINTS ${TORCH_INCLUDE_DIRS} ${CUDAToolkit_INCLUDE_DIRS})
    find_library(GRADUS_NCCL_LIBRARY NAMES nccl libnccl.so.2)
    if(GRADUS_NCCL_INCLUDE_DIR AND GRADUS_NCCL_LIBRARY AND
       EXISTS "${GRADUS_C10D_INCLUDE_DIR}/torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp")
      set(GRADUS_DISTRIBUTED_NCCL ON)
      add_library(gradus_nccl UNKNOWN IMPORTED)
      set_target_properties(gradus_nccl PROPERTIES IMPORTED_LOCATION ${GRADUS_NCCL_LIBRARY})
      target_sources(gradus_distributed PRIVATE distributed/src/nccl_backend.cpp)
      target_include_directories(gradus_distributed PRIVATE ${GRADUS_NCCL_INCLUDE_DIR})
      target_link_libraries(gradus_distributed PRIVATE gradus_nccl)
      target_compile_definitions(gradus_distributed PRIVATE USE_C10D_NCCL GRADUS_DISTRIBUTED_NCCL)
    endif()
  endif()
  message(STATUS "gradus: distributed NCCL (CUDA tensors) ${GRADUS_DISTRIBUTED_NCCL}")
  target_link_libraries(gradus_distributed PUBLIC gradus)
  target_compile_options(gradus_distributed PRIVATE -Wall -Wextra -Wno-unused-parameter)
  set_target_properties(gradus_distributed PROPERTIES
    EXPORT_NAME distributed
    VERSION ${PROJECT_VERSION}
    SOVERSION ${PROJECT_VERSION_MAJOR})
endif()
