# CUDA backend. The kernels (optim/kernels/cuda/*.cu) use no ATen, so they
# build wherever a CUDA compiler is found, even against a CPU-only LibTorch:
# CI compiles them. The ATen glue that registers them with the dispatcher
# builds only when Torch itself has CUDA.
#
# The compiler is found as CMake finds it (CMAKE_CUDA_COMPILER, $CUDACXX,
# nvcc on PATH), with /usr/local/cuda/bin only as a last hint. Architectures
# come from CMAKE_CUDA_ARCHITECTURES, else TORCH_CUDA_ARCH_LIST (PyTorch's
# spelling, e.g. "8.0;9.0+PTX"), else sm_80 and sm_90 code plus sm_90 PTX,
# which later GPUs JIT-compile (sm_80 code alone where Torch has no CUDA).
include(CheckLanguage)

set(GRADUS_CUDA_KERNELS OFF)
if(GRADUS_WITH_CUDA STREQUAL "AUTO" OR GRADUS_WITH_CUDA)
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX})
    find_program(GRADUS_NVCC nvcc PATHS /usr/local/cuda/bin)  # PATH is searched first
    if(GRADUS_NVCC)
      set(CMAKE_CUDA_COMPILER ${GRADUS_NVCC})
    endif()
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(GRADUS_CUDA_KERNELS ON)
  elseif(GRADUS_WITH_CUDA AND NOT GRADUS_WITH_CUDA STREQUAL "AUTO")
    message(FATAL_ERROR "GRADUS_WITH_CUDA=ON but no CUDA compiler was found "
                        "(set CMAKE_CUDA_COMPILER or CUDACXX, or put nvcc on PATH)")
  endif()
endif()

# Torch built with CUDA exports the torch_cuda library.
set(GRADUS_TORCH_HAS_CUDA OFF)
if(TARGET torch_cuda OR TORCH_CUDA_LIBRARIES)
  set(GRADUS_TORCH_HAS_CUDA ON)
endif()
if(GRADUS_WITH_CUDA AND NOT GRADUS_WITH_CUDA STREQUAL "AUTO" AND NOT GRADUS_TORCH_HAS_CUDA)
  message(FATAL_ERROR "GRADUS_WITH_CUDA=ON but this Torch (${Torch_DIR}) has no CUDA")
endif()
message(STATUS "gradus CUDA: kernels ${GRADUS_CUDA_KERNELS}, ATen glue ${GRADUS_TORCH_HAS_CUDA}")

# "8.0;8.6;9.0a;9.0+PTX" -> "80-real;86-real;90a-real;90". Torch's own CMake
# sets this list from the card it finds, with arch-specific suffixes (9.0a).
function(gradus_cuda_architectures_from_torch out)
  set(archs)
  string(REPLACE " " ";" list "$ENV{TORCH_CUDA_ARCH_LIST}")
  foreach(entry IN LISTS list)
    if(entry STREQUAL "")
      continue()
    endif()
    string(REGEX MATCH "^([0-9]+)\\.([0-9]+)([af]?)(\\+PTX)?$" ok "${entry}")
    if(NOT ok)
      message(FATAL_ERROR "TORCH_CUDA_ARCH_LIST: cannot read '${entry}' (expected e.g. 8.0, 9.0a or 9.0+PTX)")
    endif()
    if(CMAKE_MATCH_4)
      list(APPEND archs "${CMAKE_MATCH_1}${CMAKE_MATCH_2}${CMAKE_MATCH_3}")
    else()
      list(APPEND archs "${CMAKE_MATCH_1}${CMAKE_MATCH_2}${CMAKE_MATCH_3}-real")
    endif()
  endforeach()
  set(${out} "${archs}" PARENT_SCOPE)
endfunction()

if(GRADUS_CUDA_KERNELS)
  if(GRADUS_REQUESTED_CUDA_ARCHITECTURES)  # Torch's CMake unsets the user's choice
    set(CMAKE_CUDA_ARCHITECTURES "${GRADUS_REQUESTED_CUDA_ARCHITECTURES}")
  endif()
  if(NOT CMAKE_CUDA_ARCHITECTURES)
    gradus_cuda_architectures_from_torch(torch_archs)
    if(torch_archs)
      set(CMAKE_CUDA_ARCHITECTURES "${torch_archs}")
    elseif(GRADUS_TORCH_HAS_CUDA)
      set(CMAKE_CUDA_ARCHITECTURES 80-real 90)
    else()
      # Without Torch's CUDA nothing links the kernels: building them only
      # checks that they compile, which one architecture shows (nvcc 13 took
      # 158 s for the two above, 91 s for sm_90 alone).
      set(CMAKE_CUDA_ARCHITECTURES 80-real)
    endif()
  endif()
  # The libcudart that LibTorch itself loads, not a static copy of our own.
  set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)
  enable_language(CUDA)
  message(STATUS "gradus CUDA architectures: ${CMAKE_CUDA_ARCHITECTURES}")
  # Torch's CMake appends its own -gencode flags to CMAKE_CUDA_FLAGS (from
  # sm_50 up with Debian's): the kernels are built for the architectures above.
  string(REGEX REPLACE "-gencode[ ;]+arch=[^ ;]+" "" CMAKE_CUDA_FLAGS "${CMAKE_CUDA_FLAGS}")
  # Kernel arguments over 4 KiB (multi_tensor_apply.cuh) need sm_70 or newer.
  set(gradus_cuda_large_arguments ON)
  foreach(arch IN LISTS CMAKE_CUDA_ARCHITECTURES)
    if(NOT arch MATCHES "^([0-9]+)" OR CMAKE_MATCH_1 LESS 70)
      set(gradus_cuda_large_arguments OFF)
    endif()
  endforeach()
  add_library(gradus_cuda_kernels STATIC optim/kernels/cuda/optimizer_kernels.cu)
  if(NOT gradus_cuda_large_arguments)
    target_compile_definitions(gradus_cuda_kernels PRIVATE GRADUS_CUDA_SMALL_ARGUMENTS)
  endif()
  target_include_directories(gradus_cuda_kernels PRIVATE ${PROJECT_SOURCE_DIR}/optim/kernels ${PROJECT_SOURCE_DIR}/optim/include)
  target_compile_definitions(gradus_cuda_kernels PRIVATE GRADUS_MATH_ONLY)
  target_compile_features(gradus_cuda_kernels PRIVATE cuda_std_17)
  set_target_properties(gradus_cuda_kernels PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_compile_options(gradus_cuda_kernels PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:--expt-relaxed-constexpr>)

  if(GRADUS_TORCH_HAS_CUDA)
    find_package(CUDAToolkit REQUIRED)
    target_sources(gradus PRIVATE optim/kernels/cuda/optimizer_glue.cpp)
    set_source_files_properties(optim/kernels/cuda/optimizer_glue.cpp PROPERTIES COMPILE_DEFINITIONS GRADUS_MATH_ONLY)
    target_link_libraries(gradus PRIVATE gradus_cuda_kernels CUDA::cudart)
  endif()
endif()
