#include "distributed_job.h"

#include <c10/util/Exception.h>

#include <cstdlib>
#include <cstring>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>

#ifdef GRADUS_TRAIN_DISTRIBUTED
#include <ATen/ops/tensor.h>
#include <gradus/distributed/gradient_averager.h>
#include <gradus/distributed/zero_redundancy_optimizer.h>
#include <spawn.h>
#include <sys/prctl.h>
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
  distributed::ProcessGroupOptions options;
  if (const char* private_store = std::getenv("GRADUS_TRAIN_STORE")) {  // a rank of --nproc
    options.rank = std::atoi(std::getenv("RANK"));
    options.world_size = std::atoi(std::getenv("WORLD_SIZE"));
    options.init_method = std::string("file://") + private_store;
  } else {
    options = distributed::ProcessGroupOptions::from_environment();
  }
  options.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000));
  Ranks ranks{std::make_shared<distributed::ProcessGroup>(options), zero};
  ranks.group->require_same_settings(settings);
  return ranks;
}

void die_with_launcher() {
  const char* launcher = std::getenv("GRADUS_TRAIN_LAUNCHER_PID");
  if (!launcher) return;
  // Set, then check: a launcher that died before prctl took effect shows as
  // a changed parent.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != static_cast<pid_t>(std::atol(launcher))) _exit(1);
}

namespace {

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

volatile sig_atomic_t stop_signal = 0;
void note_stop_signal(int signal) { stop_signal = signal; }

// SIGINT and SIGTERM reach the ranks too, as torchrun forwards them.
void forward_stop_signals() {
  struct sigaction action {};
  action.sa_handler = note_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

// Waits for every rank. Once one fails, or the launcher is told to stop, the
// others get a few seconds to end, then are killed, as torchrun does: a rank
// whose peer never came may otherwise wait on.
int wait_for_ranks(const std::vector<pid_t>& pids) {
  constexpr auto kGrace = std::chrono::seconds(3);
  std::vector<int> codes(pids.size(), -1);
  size_t running = pids.size();
  std::optional<std::chrono::steady_clock::time_point> failed_at;
  int forwarded = 0;
  while (running > 0) {
    if (stop_signal && !forwarded) {
      forwarded = stop_signal;
      for (size_t rank = 0; rank < pids.size(); ++rank) {
        if (codes[rank] == -1) kill(pids[rank], forwarded);
      }
      if (!failed_at) failed_at = std::chrono::steady_clock::now();
    }
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
  if (forwarded) return 128 + forwarded;
  // Rank 0's failure first: the others' are usually its consequence.
  if (codes[0] != 0) return codes[0];
  for (int code : codes) {
    if (code != 0) return code;
  }
  return 0;
}

// A folder only this user may enter (mkdtemp makes it 0700), for the ranks'
// FileStore: they meet through it, so the rendezvous opens no port.
std::filesystem::path private_folder() {
  std::string name = (std::filesystem::temp_directory_path() / "gradus-train-XXXXXX").string();
  TORCH_CHECK(mkdtemp(name.data()), "--nproc: cannot make a private folder ", name, ": ", std::strerror(errno));
  return name;
}

}  // namespace

int launch_local_ranks(int nproc, int threads, char** argv) {
  const auto folder = private_folder();
  forward_stop_signals();
  std::vector<pid_t> pids;
  for (int rank = 0; rank < nproc; ++rank) {
    std::map<std::string, std::string> extra{{"RANK", std::to_string(rank)},
                                             {"WORLD_SIZE", std::to_string(nproc)},
                                             {"GRADUS_TRAIN_STORE", (folder / "store").string()},
                                             {"GRADUS_TRAIN_LAUNCHER_PID", std::to_string(getpid())},
                                             {"GRADUS_TRAIN_THREADS", std::to_string(threads)},
                                             {"GRADUS_TRAIN_NPROC", std::to_string(nproc)}};
    // The ranks share the cores: an idle OpenMP thread should sleep, not spin.
    if (!std::getenv("OMP_WAIT_POLICY")) extra["OMP_WAIT_POLICY"] = "passive";
    auto entries = environment_with(extra);
    std::vector<char*> envp;
    for (auto& entry : entries) envp.push_back(entry.data());
    envp.push_back(nullptr);
    pid_t pid = 0;
    const int failed = posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv, envp.data());
    if (failed) {
      for (pid_t started : pids) kill(started, SIGKILL);
      std::filesystem::remove_all(folder);
      TORCH_CHECK(false, "--nproc: cannot start rank ", rank, ": ", std::strerror(failed));
    }
    pids.push_back(pid);
  }
  const int code = wait_for_ranks(pids);
  std::error_code ignored;
  std::filesystem::remove_all(folder, ignored);
  return code;
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

void die_with_launcher() {}

int launch_local_ranks(int, int, char**) {
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
