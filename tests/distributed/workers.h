#pragma once
// What the ranks of a multi-process test run (launcher.h). Each reads its
// job from the environment and exits 0 when it did what it was asked.
#include <string>

namespace gradus_test {

int run_worker(const std::string& name);

}  // namespace gradus_test
