#pragma once
// Multi-process tests: the test binary starts copies of itself as the ranks
// of a job (GRADUS_TEST_WORKER names what they run), on this machine only.
#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace gradus_test {

struct RankResult {
  int exit_code = -1;      // -1: killed after the time limit
  std::string output;      // its stdout and stderr
};

struct JobResult {
  std::vector<RankResult> ranks;
  double seconds = 0;      // from start until the last rank ended
  bool timed_out = false;
};

// Starts `world_size` ranks of worker `worker` with RANK, WORLD_SIZE and
// `env`; waits up to `limit` for all, then kills the rest.
JobResult run_job(const std::string& worker, int world_size, const std::map<std::string, std::string>& env,
                  std::chrono::seconds limit, std::vector<int> ranks = {});

// A new empty directory under the test's scratch folder.
std::string scratch_dir(const std::string& name);

// A TCP port nothing listens on now.
int free_port();

}  // namespace gradus_test
