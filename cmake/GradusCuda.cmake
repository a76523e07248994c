# CUDA backend. The kernels (optim/kernels/cuda/*.cu) use no ATen, so they
# build wherever nvcc is found, even against a CPU-only LibTorch: CI
# compiles them. The ATen glue that registers them with the dispatcher
# builds only when Torch itself has CUDA.
include(CheckLanguage)

set(GRADUS_CUDA_KERNELS OFF)
if(GRADUS_WITH_CUDA STREQUAL "AUTO" OR GRADUS_WITH_CUDA)
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(GRADUS_CUDA_KERNELS ON)
  elseif(GRADUS_WITH_CUDA AND NOT GRADUS_WITH_CUDA STREQUAL "AUTO")
    message(FATAL_ERROR "GRADUS_WITH_CUDA=ON but no CUDA compiler was found")
  endif()
endif()

# Torch built with CUDA exports the torch_cuda library.
set(GRADUS_TORCH_HAS_CUDA OFF)
if(TARGET torch_cuda OR TORCH_CUDA_LIBRARIES)
  set(GRADUS_TORCH_HAS_CUDA ON)
endif()
message(STATUS "gradus CUDA: kernels ${GRADUS_CUDA_KERNELS}, ATen glue ${GRADUS_TORCH_HAS_CUDA}")

if(GRADUS_CUDA_KERNELS)
  if(NOT CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 90)  # Hopper (H100, H200); set it for other GPUs
  endif()
  enable_language(CUDA)
  set(CMAKE_CUDA_STANDARD 17)
  add_library(gradus_cuda_kernels STATIC optim/kernels/cuda/optimizer_kernels.cu)
  target_include_directories(gradus_cuda_kernels PRIVATE ${PROJECT_SOURCE_DIR}/optim/kernels)
  set_target_properties(gradus_cuda_kernels PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_compile_options(gradus_cuda_kernels PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:--expt-relaxed-constexpr>)

  if(GRADUS_TORCH_HAS_CUDA)
    find_package(CUDAToolkit REQUIRED)
    target_sources(gradus PRIVATE optim/kernels/cuda/optimizer_glue.cpp)
    target_link_libraries(gradus PRIVATE gradus_cuda_kernels CUDA::cudart)
    target_compile_definitions(gradus PUBLIC GRADUS_HAS_CUDA)
  endif()
endif()
