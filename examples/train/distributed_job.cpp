#include "distributed_job.h"

#include <c10/util/Exception.h>

#include <cstdlib>
#include <cstring>
#include <chrono>
#include <map>
#include <optional>
#include <thread>

#ifdef GRADUS_TRAIN_DISTRIBUTED
#include <ATen/ops/tensor.h>
#include <arpa/inet.h>
#include <gradus/distributed/gradient_averager.h>
#include <gradus/distributed/zero_redundancy_optimizer.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;
#endif

namespace gradus {
namespace examples {

bool launched_as_rank() { return std::getenv("RANK") && std::getenv("WORLD_SIZE"); }

#ifdef GRADUS_TRAIN_DISTRIBUTED

int Ranks::rank() const { return group ? group->rank() : 0; }
int Ranks::size() const { return group ? group->size() : 1; }

Ranks join_job(const std::string& settings, double timeout_seconds, bool zero) {
  auto options = distributed::ProcessGroupOptions::from_environment();
  options.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000));
  Ranks ranks{std::make_shared<distributed::ProcessGroup>(options), zero};
  ranks.group->require_same_settings(settings);
  return ranks;
}

namespace {

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  TORCH_CHECK(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0,
              "--nproc: cannot find a free port on 127.0.0.1");
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

// This process's environment with `extra` set over it.
std::vector<std::string> environment_with(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> entries;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    if (!extra.count(entry.substr(0, entry.find('=')))) entries.push_back(entry);
  }
  for (const auto& [name, value] : extra) entries.push_back(name + "=" + value);
  return entries;
}

// Waits for every rank. Once one fails, the others get a few seconds to
// report their own errors, then are stopped, as torchrun does: a rank whose
// peer never came (say, rank 0 found its port taken) may otherwise wait on.
int wait_for_ranks(const std::vector<pid_t>& pids) {
  constexpr auto kGrace = std::chrono::seconds(3);
  std::vector<int> codes(pids.size(), -1);
  size_t running = pids.size();
  std::optional<std::chrono::steady_clock::time_point> failed_at;
  while (running > 0) {
    for (size_t rank = 0; rank < pids.size(); ++rank) {
      int raw = 0;
      if (codes[rank] != -1 || waitpid(pids[rank], &raw, WNOHANG) != pids[rank]) continue;
      codes[rank] = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
      --running;
      if (codes[rank] != 0 && !failed_at) failed_at = std::chrono::steady_clock::now();
    }
    if (running > 0 && failed_at && std::chrono::steady_clock::now() - *failed_at > kGrace) {
      for (size_t rank = 0; rank < pids.size(); ++rank) {
        if (codes[rank] == -1) kill(pids[rank], SIGKILL);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Rank 0's failure first: the others' are usually its consequence.
  if (codes[0] != 0) return codes[0];
  for (int code : codes) {
    if (code != 0) return code;
  }
  return 0;
}

}  // namespace

int launch_local_ranks(int nproc, int port, int threads, char** argv) {
  if (port == 0) port = free_port();
  std::vector<pid_t> pids;
  for (int rank = 0; rank < nproc; ++rank) {
    auto entries = environment_with({{"RANK", std::to_string(rank)},
                                     {"WORLD_SIZE", std::to_string(nproc)},
                                     {"MASTER_ADDR", "127.0.0.1"},
                                     {"MASTER_PORT", std::to_string(port)},
                                     {"GRADUS_TRAIN_THREADS", std::to_string(threads)},
                                     {"GRADUS_TRAIN_NPROC", std::to_string(nproc)}});
    std::vector<char*> envp;
    for (auto& entry : entries) envp.push_back(entry.data());
    envp.push_back(nullptr);
    pid_t pid = 0;
    const int failed = posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv, envp.data());
    TORCH_CHECK(!failed, "--nproc: cannot start rank ", rank, ": ", std::strerror(failed));
    pids.push_back(pid);
  }
  return wait_for_ranks(pids);
}

std::unique_ptr<torch::optim::Optimizer> shard_optimizer(std::unique_ptr<torch::optim::Optimizer> plain,
                                                         const MakeOptimizer& make, const Ranks& ranks) {
  if (!plain || !ranks.group || !ranks.zero) return plain;
  std::vector<torch::optim::OptimizerParamGroup> groups;
  for (auto& group : plain->param_groups()) groups.emplace_back(group.params(), group.options().clone());
  TORCH_CHECK(groups.size() == 1, "--zero: gradus-train's optimizers have one param group");
  auto factory = [make](std::vector<torch::optim::OptimizerParamGroup> shard) {
    auto optimizer = make(shard[0].params());
    optimizer->param_groups()[0].set_options(shard[0].options().clone());
    return optimizer;
  };
  return std::make_unique<distributed::ZeroRedundancyOptimizer>(std::move(groups), plain->defaults(), factory,
                                                                ranks.group);
}

struct GradientSync::Impl {
  std::unique_ptr<distributed::GradientAverager> averager;
};

GradientSync::GradientSync(const Ranks& ranks, std::vector<at::Tensor> params) : impl_(std::make_unique<Impl>()) {
  if (ranks.group) impl_->averager = std::make_unique<distributed::GradientAverager>(ranks.group, std::move(params));
}

void GradientSync::average() {
  if (impl_->averager) impl_->averager->average();
}

void sum_over_ranks(const Ranks& ranks, std::vector<double>& values) {
  if (!ranks.group || values.empty()) return;
  at::Tensor t = at::tensor(values, at::kDouble);
  ranks.group->all_reduce_sum(t);
  for (size_t i = 0; i < values.size(); ++i) values[i] = t.data_ptr<double>()[i];
}

void consolidate_for_saving(torch::optim::Optimizer* optimizer) {
  if (auto* zero = dynamic_cast<distributed::ZeroRedundancyOptimizer*>(optimizer)) zero->consolidate_state(0);
}

#else  // built without gradus::distributed: one process only

int Ranks::rank() const { return 0; }
int Ranks::size() const { return 1; }

Ranks join_job(const std::string&, double, bool) {
  TORCH_CHECK(false, "this gradus-train was built without gradus::distributed (c10d with Gloo): it runs one process");
}

int launch_local_ranks(int, int, int, char**) {
  TORCH_CHECK(false, "--nproc: this gradus-train was built without gradus::distributed (c10d with Gloo)");
}

std::unique_ptr<torch::optim::Optimizer> shard_optimizer(std::unique_ptr<torch::optim::Optimizer> plain,
                                                         const MakeOptimizer&, const Ranks&) {
  return plain;
}

struct GradientSync::Impl {};
GradientSync::GradientSync(const Ranks&, std::vector<at::Tensor>) : impl_(std::make_unique<Impl>()) {}
void GradientSync::average() {}
void sum_over_ranks(const Ranks&, std::vector<double>&) {}
void consolidate_for_saving(torch::optim::Optimizer*) {}

#endif

GradientSync::~GradientSync() = default;

}  // namespace examples
}  // namespace gradus
