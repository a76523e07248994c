# ctest driver: install gradus into a scratch prefix, move the prefix, check
# that no installed file names a path of the build machine, then configure,
# build and run tests/consumer against the moved package as a user would.
#   cmake -DGRADUS_BUILD=<build dir> -DSOURCE=<consumer dir> -DWORK=<scratch>
#         -DTorch_DIR=<dir> -DFORBIDDEN=<path|path|...> -DDISTRIBUTED=ON|OFF -P run.cmake
file(REMOVE_RECURSE ${WORK})
include(${CMAKE_CURRENT_LIST_DIR}/run_or_fail.cmake)
run(${CMAKE_COMMAND} --install ${GRADUS_BUILD} --prefix ${WORK}/installed-here)
file(RENAME ${WORK}/installed-here ${WORK}/moved-there)

string(REPLACE "|" ";" forbidden "${FORBIDDEN};${WORK}/installed-here")
file(GLOB_RECURSE installed LIST_DIRECTORIES false ${WORK}/moved-there/*)
list(LENGTH installed count)
if(count LESS 10)
  message(FATAL_ERROR "only ${count} files installed: ${installed}")
endif()
# One regular expression of all the paths, each taken literally and ending
# where a path component ends (a source tree at /gradus must not match
# "/gradusTargets.cmake").
set(alternatives)
foreach(path IN LISTS forbidden)
  string(REGEX REPLACE "([][+.*?()^$|\\])" "\\\\\\1" escaped "${path}")
  list(APPEND alternatives "${escaped}")
endforeach()
string(REPLACE ";" "|" pattern "${alternatives}")
set(pattern "(${pattern})([^A-Za-z0-9_.+-]|$)")
set(leaks)
foreach(file IN LISTS installed)
  file(STRINGS ${file} hits REGEX "${pattern}")  # printable runs, like strings(1): binaries too
  foreach(hit IN LISTS hits)
    list(APPEND leaks "${file}: ${hit}")
  endforeach()
endforeach()
if(leaks)
  string(REPLACE ";" "\n  " leaks "${leaks}")
  message(FATAL_ERROR "installed files name paths of the build machine:\n  ${leaks}")
endif()
message(STATUS "${count} installed files, none names: ${forbidden}")

run(${CMAKE_COMMAND} -S ${SOURCE} -B ${WORK}/build -DCMAKE_PREFIX_PATH=${WORK}/moved-there
    -DTorch_DIR=${Torch_DIR} -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build ${WORK}/build)
run(${WORK}/build/consumer)
if(DISTRIBUTED)
  run(${WORK}/build/consumer_zero ${WORK}/rendezvous)
endif()
