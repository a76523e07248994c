# What gradus takes from the Torch it was pointed at (find_package(Torch) has run):
#   GRADUS_CXX_STANDARD   17, or 20 where Torch's headers need C++20
#   GRADUS_TORCH_OPENMP   ON when ATen's parallel_for is OpenMP (an inline pragma
#                         that gradus's own loops must be compiled with)
# and sets the C++ standard for everything in this project from it.

# The headers themselves say what they need: recent LibTorch (2.14 here) stops
# with "C++20 or later compatible compiler is required" in ATen/ATen.h, so look
# for that line rather than keep a table of versions.
set(GRADUS_CXX_STANDARD 17)
foreach(dir IN LISTS TORCH_INCLUDE_DIRS)
  foreach(header ATen/ATen.h torch/all.h)
    if(EXISTS "${dir}/${header}")
      file(STRINGS "${dir}/${header}" needs_cxx20 REGEX "C\\+\\+20 or later")
      if(needs_cxx20)
        set(GRADUS_CXX_STANDARD 20)
      endif()
    endif()
  endforeach()
endforeach()

set(GRADUS_TORCH_OPENMP OFF)
foreach(dir IN LISTS TORCH_INCLUDE_DIRS)
  if(EXISTS "${dir}/ATen/Config.h")
    file(STRINGS "${dir}/ATen/Config.h" openmp REGEX "#define AT_PARALLEL_OPENMP 1")
    if(openmp)
      set(GRADUS_TORCH_OPENMP ON)
    endif()
  endif()
endforeach()
message(STATUS "gradus: Torch ${Torch_VERSION}, C++${GRADUS_CXX_STANDARD}, ATen OpenMP ${GRADUS_TORCH_OPENMP}")

if(NOT CMAKE_CXX_STANDARD OR CMAKE_CXX_STANDARD LESS GRADUS_CXX_STANDARD)
  set(CMAKE_CXX_STANDARD ${GRADUS_CXX_STANDARD})
endif()
set(CMAKE_CXX_STANDARD_REQUIRED ON)
