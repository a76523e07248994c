# CPU kernels are compiled once per instruction set, like ATen's own: a
# DEFAULT copy that runs anywhere and, on x86-64, an AVX2+FMA copy; the
# library picks one at load time (optim/kernels/cpu/cpu_registration.cpp).
include(CheckCXXCompilerFlag)
include(CheckIncludeFileCXX)

# ATen's AVX2 vector headers include SLEEF's header (Debian: libsleef-dev).
set(CMAKE_REQUIRED_INCLUDES ${TORCH_INCLUDE_DIRS})
check_include_file_cxx(sleef.h GRADUS_HAVE_SLEEF_HEADER)
unset(CMAKE_REQUIRED_INCLUDES)
# PyTorch's own AVX2 flags: LibTorch 2.x's vector headers use F16C too.
set(GRADUS_AVX2_FLAGS -mavx2 -mfma -mf16c)
string(JOIN " " avx2_flags_string ${GRADUS_AVX2_FLAGS})
check_cxx_compiler_flag("${avx2_flags_string}" GRADUS_COMPILER_HAS_AVX2_F16C)
set(GRADUS_CPU_AVX2 OFF)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64" AND GRADUS_COMPILER_HAS_AVX2_F16C AND GRADUS_HAVE_SLEEF_HEADER)
  set(GRADUS_CPU_AVX2 ON)
endif()
message(STATUS "gradus CPU kernels: DEFAULT, AVX2 ${GRADUS_CPU_AVX2}")

# at::parallel_for is an inline template over `#pragma omp parallel` when
# ATen is built with OpenMP (GradusTorch.cmake): the loops are compiled with
# -fopenmp so that they run in parallel, but gradus links no OpenMP runtime of
# its own. The GOMP entry points resolve to the runtime Torch already loaded
# (Debian's libgomp, the wheel's bundled copy, or Intel's), so gradus's loops
# share Torch's threads and at::set_num_threads governs both.
set(GRADUS_OPENMP_COMPILE_FLAG)
if(GRADUS_TORCH_OPENMP)
  set(GRADUS_OPENMP_COMPILE_FLAG -fopenmp)
endif()

function(gradus_add_cpu_kernels target sources)
  set(capabilities DEFAULT)
  if(GRADUS_CPU_AVX2)
    list(APPEND capabilities AVX2)
    target_compile_definitions(${target} PRIVATE GRADUS_HAVE_AVX2)
  endif()
  foreach(capability IN LISTS capabilities)
    set(objects ${target}_cpu_${capability})
    add_library(${objects} OBJECT ${sources})
    set_target_properties(${objects} PROPERTIES POSITION_INDEPENDENT_CODE ON)
    target_include_directories(${objects} PRIVATE ${PROJECT_SOURCE_DIR}/optim/kernels ${PROJECT_SOURCE_DIR}/optim/include)
    target_link_libraries(${objects} PRIVATE torch)
    target_compile_options(${objects} PRIVATE ${GRADUS_OPENMP_COMPILE_FLAG})
    # -Wno-psabi: GCC notes that passing 32-byte vectors changed ABI in GCC 4.6.
    target_compile_options(${objects} PRIVATE -Wall -Wextra -Wno-unused-parameter -Wno-psabi)
    # Every fused multiply-add is spelled out (math/element_ops.h: fma_of,
    # addcmul_of) to round where ATen rounds; the compiler adds none.
    target_compile_options(${objects} PRIVATE -ffp-contract=off)
    target_compile_definitions(${objects} PRIVATE CPU_CAPABILITY=${capability} GRADUS_MATH_ONLY)
    if(capability STREQUAL "DEFAULT")
      target_compile_definitions(${objects} PRIVATE GRADUS_CPU_BASELINE
                                 $<$<BOOL:${GRADUS_CPU_AVX2}>:GRADUS_HAVE_AVX2>)
    else()
      target_compile_definitions(${objects} PRIVATE CPU_CAPABILITY_AVX2)
      target_compile_options(${objects} PRIVATE ${GRADUS_AVX2_FLAGS})
    endif()
    target_sources(${target} PRIVATE $<TARGET_OBJECTS:${objects}>)
  endforeach()
endfunction()
