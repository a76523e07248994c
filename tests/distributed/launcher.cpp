#include "distributed/launcher.h"

#include "support/scratch_folders.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace gradus_test {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string scratch_dir(const std::string& name) {
  static int counter = 0;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("gradus-dist-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" + name);
  return gradus::testing::scratch_folders().make(dir).string();
}

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

JobResult run_job(const std::string& worker, int world_size, const std::map<std::string, std::string>& env,
                  std::chrono::seconds limit, std::vector<int> ranks) {
  if (ranks.empty()) {
    for (int r = 0; r < world_size; ++r) ranks.push_back(r);
  }
  const std::string logs = scratch_dir("logs-" + worker);
  const auto start = std::chrono::steady_clock::now();
  std::vector<pid_t> pids;
  for (int rank : ranks) {
    std::map<std::string, std::string> vars;
    for (char** e = environ; *e; ++e) {
      const std::string entry = *e;
      const auto eq = entry.find('=');
      vars[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    for (const auto& [k, v] : env) vars[k] = v;
    vars["GRADUS_TEST_WORKER"] = worker;
    vars["RANK"] = std::to_string(rank);
    vars["WORLD_SIZE"] = std::to_string(world_size);
    std::vector<std::string> entries;
    for (const auto& [k, v] : vars) entries.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& entry : entries) envp.push_back(entry.data());
    envp.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string log = logs + "/rank" + std::to_string(rank) + ".log";
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::string self = "/proc/self/exe";
    char* argv[] = {self.data(), nullptr};
    pid_t pid = 0;
    if (posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv, envp.data()) != 0) {
      throw std::runtime_error("posix_spawn failed");
    }
    posix_spawn_file_actions_destroy(&actions);
    pids.push_back(pid);
  }
  JobResult result;
  result.ranks.resize(ranks.size());
  std::vector<bool> done(ranks.size(), false);
  size_t remaining = ranks.size();
  while (remaining > 0) {
    for (size_t i = 0; i < pids.size(); ++i) {
      if (done[i]) continue;
      int status = 0;
      if (waitpid(pids[i], &status, WNOHANG) == pids[i]) {
        done[i] = true;
        --remaining;
        result.ranks[i].exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
    }
    if (remaining > 0 && std::chrono::steady_clock::now() - start > limit) {
      result.timed_out = true;
      for (size_t i = 0; i < pids.size(); ++i) {
        if (done[i]) continue;
        kill(pids[i], SIGKILL);
        waitpid(pids[i], nullptr, 0);
        result.ranks[i].exit_code = -1;
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (size_t i = 0; i < ranks.size(); ++i) {
    result.ranks[i].output = read_file(logs + "/rank" + std::to_string(ranks[i]) + ".log");
  }
  return result;
}

}  // namespace gradus_test
