# ctest driver: install gradus into a scratch prefix, build examples/mnist
# against it as a user's own project would, and train it on real MNIST: it
# must write its checkpoint, resume from it and reach 97% test accuracy.
#   cmake -DGRADUS_BUILD=<build dir> -DSOURCE=<examples/mnist> -DWORK=<scratch>
#         -DTorch_DIR=<dir> -DMNIST=<data dir> -P mnist_example.cmake
file(REMOVE_RECURSE ${WORK})
include(${CMAKE_CURRENT_LIST_DIR}/consumer/run_or_fail.cmake)
run(${CMAKE_COMMAND} --install ${GRADUS_BUILD} --prefix ${WORK}/prefix)
run(${CMAKE_COMMAND} -S ${SOURCE} -B ${WORK}/build -DCMAKE_PREFIX_PATH=${WORK}/prefix -DTorch_DIR=${Torch_DIR}
    -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build ${WORK}/build)
execute_process(COMMAND ${WORK}/build/mnist ${MNIST} 600 ${WORK}/checkpoint.pt
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message(STATUS "${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "mnist exited ${rc}")
endif()
if(NOT EXISTS ${WORK}/checkpoint.pt OR NOT out MATCHES "resumed at step 300")
  message(FATAL_ERROR "no checkpoint written and resumed")
endif()
if(NOT out MATCHES "test accuracy ([0-9]+)\\.[0-9]+% after 600 steps")
  message(FATAL_ERROR "no test accuracy printed")
endif()
if(CMAKE_MATCH_1 LESS 97)
  message(FATAL_ERROR "test accuracy ${CMAKE_MATCH_1}% < 97%")
endif()
