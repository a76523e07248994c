# CPU kernels are compiled once per instruction set, like ATen's own: a
# DEFAULT copy that runs anywhere and, on x86-64, an AVX2+FMA copy; the
# library picks one at load time (optim/kernels/cpu/cpu_registration.cpp).
# The AVX2 copy codes low-precision state with AVX-512 where the CPU has it.
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
# The AVX2 copy's state codecs once more for AVX-512 F and BW
# (optim/kernels/cpu/state_codecs.h): only they gain from wider vectors.
set(GRADUS_AVX512_FLAGS ${GRADUS_AVX2_FLAGS} -mavx512f -mavx512bw)
string(JOIN " " avx512_flags_string ${GRADUS_AVX512_FLAGS})
check_cxx_compiler_flag("${avx512_flags_string}" GRADUS_COMPILER_HAS_AVX512)
set(GRADUS_CPU_AVX512_CODECS OFF)
if(GRADUS_CPU_AVX2 AND GRADUS_COMPILER_HAS_AVX512)
  set(GRADUS_CPU_AVX512_CODECS ON)
endif()
message(STATUS "gradus CPU kernels: DEFAULT, AVX2 ${GRADUS_CPU_AVX2}, AVX-512 state codecs ${GRADUS_CPU_AVX512_CODECS}")

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
  if(GRADUS_CPU_AVX512_CODECS)
    set(codecs ${target}_cpu_avx512_codecs)
    add_library(${codecs} OBJECT ${PROJECT_SOURCE_DIR}/optim/kernels/cpu/state_codecs_avx512.cpp)
    set_target_properties(${codecs} PROPERTIES POSITION_INDEPENDENT_CODE ON)
    target_include_directories(${codecs} PRIVATE ${PROJECT_SOURCE_DIR}/optim/kernels ${PROJECT_SOURCE_DIR}/optim/include)
    target_link_libraries(${codecs} PRIVATE torch)
    target_compile_options(${codecs} PRIVATE -Wall -Wextra -Wno-unused-parameter -Wno-psabi ${GRADUS_AVX512_FLAGS})
    # GCC 12's own AVX-512 intrinsics pass undefined vectors through, and it
    # warns of them in its header (fixed in GCC 13).
    target_compile_options(${codecs} PRIVATE
      $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-maybe-uninitialized>)
    target_compile_definitions(${codecs} PRIVATE CPU_CAPABILITY=AVX512 GRADUS_MATH_ONLY)
    target_compile_definitions(${target} PRIVATE GRADUS_HAVE_AVX512_CODECS)
    target_sources(${target} PRIVATE $<TARGET_OBJECTS:${codecs}>)
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
      target_compile_definitions(${objects} PRIVATE CPU_CAPABILITY_AVX2
                                 $<$<BOOL:${GRADUS_CPU_AVX512_CODECS}>:GRADUS_HAVE_AVX512_CODECS>)
      target_compile_options(${objects} PRIVATE ${GRADUS_AVX2_FLAGS})
    endif()
    target_sources(${target} PRIVATE $<TARGET_OBJECTS:${objects}>)
  endforeach()
endfunction()
