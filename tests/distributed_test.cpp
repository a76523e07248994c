// gradus::distributed across processes on this machine: the test binary
// starts copies of itself as the ranks (distributed/launcher.h), which run
// the jobs of distributed/workers.cpp; the tests compare what they leave.
#include <arpa/inet.h>
#include <gradus/distributed/process_group.h>
#include <gradus/distributed/zero_redundancy_optimizer.h>
#include <gradus/optim/adam.h>
#include <gradus/optim/sgd.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "distributed/launcher.h"
#include "distributed/workers.h"

namespace gradus_test {
namespace {

using Env = std::map<std::string, std::string>;

std::string describe(const JobResult& job) {
  std::string out = "job took " + std::to_string(job.seconds) + " s" + (job.timed_out ? " and timed out" : "");
  for (size_t r = 0; r < job.ranks.size(); ++r) {
    out += "\n--- rank " + std::to_string(r) + " exit " + std::to_string(job.ranks[r].exit_code) + ":\n" +
           job.ranks[r].output;
  }
  return out;
}

// Runs the training job and returns rank 0's final parameters.
std::vector<at::Tensor> train(int world_size, const std::string& mode, const std::string& optimizer, Env extra = {}) {
  const std::string dir = scratch_dir("train");
  Env env{{"GRADUS_TEST_MODE", mode},
          {"GRADUS_TEST_OPTIMIZER", optimizer},
          {"GRADUS_TEST_INIT", "file://" + dir + "/rendezvous"},
          {"GRADUS_TEST_OUT", dir + "/params.pt"}};
  for (const auto& [k, v] : extra) env[k] = v;
  const JobResult job = run_job("train", world_size, env, std::chrono::seconds(120));
  for (const auto& rank : job.ranks) EXPECT_EQ(rank.exit_code, 0) << describe(job);
  std::vector<at::Tensor> params;
  torch::load(params, dir + "/params.pt");
  return params;
}

bool bit_identical(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!torch::equal(a[i], b[i])) return false;
  }
  return true;
}

double max_relative_difference(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, ((a[i] - b[i]).abs() / b[i].abs().clamp_min(1e-12)).max().item<double>());
  }
  return worst;
}

struct ShardingCase {
  int world_size;
  std::string optimizer;
};

void PrintTo(const ShardingCase& c, std::ostream* out) { *out << c.optimizer << " on " << c.world_size << " ranks"; }

class ZeroSharding : public ::testing::TestWithParam<ShardingCase> {};

// ZeRO-1 (each rank steps its shard, then broadcasts it) ends where plain
// data parallelism (every rank steps everything) does, bit for bit.
TEST_P(ZeroSharding, EndsBitIdenticalToDataParallel) {
  const auto& c = GetParam();
  const auto zero = train(c.world_size, "zero", c.optimizer);
  const auto data_parallel = train(c.world_size, "dp", c.optimizer);
  EXPECT_TRUE(bit_identical(zero, data_parallel)) << "max relative difference "
                                                  << max_relative_difference(zero, data_parallel);
  // And training moved the parameters (the comparison is not of two starts).
  EXPECT_GT(max_relative_difference(zero, train(1, "single", c.optimizer, {{"GRADUS_TEST_STEPS", "0"}})), 1e-3);
}

INSTANTIATE_TEST_SUITE_P(Ranks, ZeroSharding,
                         ::testing::Values(ShardingCase{2, "adam"}, ShardingCase{3, "adam"}, ShardingCase{2, "sgd"},
                                           ShardingCase{3, "sgd"}, ShardingCase{2, "rmsprop"},
                                           ShardingCase{3, "rmsprop"}, ShardingCase{2, "torch_adam"},
                                           ShardingCase{3, "torch_adam"}),
                         [](const auto& info) {
                           return info.param.optimizer + "_" + std::to_string(info.param.world_size) + "_ranks";
                         });

// Two ranks taking half of each batch follow one process taking all of it.
TEST(DataParallel, TwoHalfBatchesMatchOneWholeBatchOver50Steps) {
  const Env steps{{"GRADUS_TEST_STEPS", "50"}};
  const auto two = train(2, "dp", "adam", steps);
  const auto one = train(1, "single", "adam", steps);
  const double difference = max_relative_difference(two, one);
  std::cout << "max relative difference after 50 Adam steps: " << difference << "\n";
  EXPECT_LE(difference, 1e-12);
  EXPECT_GT(max_relative_difference(one, train(1, "single", "adam", {{"GRADUS_TEST_STEPS", "0"}})), 1e-3);
}

Env saved_at_10(const std::string& dir) { return {{"GRADUS_TEST_SAVE_AT", "10"}, {"GRADUS_TEST_SAVE_DIR", dir}}; }
Env resumed_at_10(const std::string& dir) { return {{"GRADUS_TEST_START", "10"}, {"GRADUS_TEST_RESUME_DIR", dir}}; }

// A run saved by 2 ranks at step 10 and resumed by 3 continues exactly as
// 3 ranks holding that state go on: ZeRO over 3 shards of the file steps
// as the whole optimizer loaded from it on every rank does, bit for bit.
// Against 3 ranks throughout, only the first 10 steps' gradients differ
// (averaged over 2 ranks, not 3: rounding). Resumed by as many ranks as
// saved it, a run is bit-identical to one never stopped.
TEST(ZeroCheckpoint, SavedWithTwoRanksResumesWithThree) {
  const std::string two = scratch_dir("checkpoint-2"), three = scratch_dir("checkpoint-3");
  train(2, "zero", "adam", saved_at_10(two));
  const auto three_resumed = train(3, "zero", "adam", resumed_at_10(two));
  EXPECT_TRUE(bit_identical(three_resumed, train(3, "dp", "adam", resumed_at_10(two))));
  const auto three_uninterrupted = train(3, "zero", "adam", saved_at_10(three));
  const double difference = max_relative_difference(three_resumed, three_uninterrupted);
  std::cout << "saved by 2 ranks, resumed by 3, vs 3 ranks throughout: max relative difference " << difference << "\n";
  EXPECT_LE(difference, 1e-12);
  EXPECT_TRUE(bit_identical(train(3, "zero", "adam", resumed_at_10(three)), three_uninterrupted));
  EXPECT_TRUE(bit_identical(train(2, "zero", "adam", resumed_at_10(two)), train(2, "zero", "adam")));
}

// Each rank keeps about 1/N of the optimizer state.
TEST(ZeroMemory, EachRankKeepsItsShareOfTheState) {
  std::map<int, std::vector<int64_t>> bytes;
  for (int world_size : {1, 2, 4}) {
    const std::string dir = scratch_dir("memory");
    const JobResult job = run_job("memory", world_size,
                                  {{"GRADUS_TEST_INIT", "file://" + dir + "/rendezvous"}, {"GRADUS_TEST_OUT", dir + "/bytes"}},
                                  std::chrono::seconds(120));
    for (const auto& rank : job.ranks) ASSERT_EQ(rank.exit_code, 0) << describe(job);
    for (int r = 0; r < world_size; ++r) {
      int64_t b = 0;
      std::ifstream(dir + "/bytes." + std::to_string(r)) >> b;
      bytes[world_size].push_back(b);
    }
  }
  const double total = static_cast<double>(bytes[1][0]);
  EXPECT_GT(total, 10.5e6 * 8);  // Adam: two float moments per parameter
  for (int world_size : {2, 4}) {
    for (int r = 0; r < world_size; ++r) {
      const double share = bytes[world_size][r] / total;
      std::cout << world_size << " ranks, rank " << r << ": " << bytes[world_size][r] << " bytes, " << share
                << " of 1 rank's " << bytes[1][0] << "\n";
      EXPECT_NEAR(share, 1.0 / world_size, 0.1 / world_size);
    }
  }
}

// A rank that dies makes the others fail within a bounded time.
TEST(DistributedFaults, DeadRankStopsTheOthers) {
  const std::string dir = scratch_dir("dead");
  const JobResult job = run_job("dead_rank", 2,
                                {{"GRADUS_TEST_INIT", "file://" + dir + "/rendezvous"}, {"GRADUS_TEST_TIMEOUT_S", "10"}},
                                std::chrono::seconds(60));
  EXPECT_FALSE(job.timed_out) << describe(job);
  EXPECT_EQ(job.ranks[0].exit_code, 0) << describe(job);
  EXPECT_EQ(job.ranks[1].exit_code, 3) << describe(job);
  EXPECT_NE(job.ranks[0].output.find("rank 0: all-reduce (another rank may have stopped) failed"), std::string::npos)
      << describe(job);
  EXPECT_LT(job.seconds, 30) << describe(job);
}

// Ranks started with different options refuse to start, naming the setting.
TEST(DistributedFaults, DifferentSettingsAreRefusedOnEveryRank) {
  const std::string dir = scratch_dir("settings");
  const JobResult job = run_job("different_settings", 2, {{"GRADUS_TEST_INIT", "file://" + dir + "/rendezvous"}},
                                std::chrono::seconds(60));
  for (const auto& rank : job.ranks) {
    EXPECT_EQ(rank.exit_code, 0) << describe(job);
    EXPECT_NE(rank.output.find("rank 1 has param group 0 lr=0.02 where rank 0 has param group 0 lr=0.01"),
              std::string::npos)
        << describe(job);
  }
}

// Refused calls and files leave a ZeroRedundancyOptimizer as it was: it
// goes on stepping exactly as a twin that never saw them.
TEST(ZeroState, RefusedCallsAndFilesChangeNothing) {
  gradus::distributed::ProcessGroupOptions options;
  options.init_method = "file://" + scratch_dir("one-rank") + "/rendezvous";
  auto group = std::make_shared<gradus::distributed::ProcessGroup>(options);
  torch::manual_seed(0);
  const at::Tensor start = torch::randn({5}, torch::kDouble);
  at::Tensor w = start.clone().requires_grad_(), twin_w = start.clone().requires_grad_();
  auto make = [&](const at::Tensor& p) {
    return gradus::distributed::make_zero_redundancy<gradus::optim::Adam>(std::vector<at::Tensor>{p},
                                                                          gradus::optim::AdamOptions(0.1), group);
  };
  auto zero = make(w), twin = make(twin_w);
  auto step = [](auto& optimizer, const at::Tensor& p) {
    optimizer->zero_grad();
    (p * p * p).sum().backward();
    optimizer->step();
  };
  step(zero, w);
  step(twin, twin_w);
  const std::string dir = scratch_dir("refused");
  auto message_of = [](auto&& f) {
    try {
      f();
    } catch (const c10::Error& e) {
      return std::string(e.what_without_backtrace());
    }
    return std::string("no error");
  };
  EXPECT_NE(message_of([&] { torch::save(*zero, dir + "/zero.pt"); }).find("holds no consolidated state"),
            std::string::npos);
  EXPECT_NE(message_of([&] { zero->consolidate_state(1); }).find("needs a rank in [0, 1) but got 1"),
            std::string::npos);
  at::Tensor other = torch::zeros({5}, torch::kDouble).requires_grad_();
  gradus::optim::SGD sgd(std::vector<at::Tensor>{other}, gradus::optim::SGDOptions(0.1).momentum(0.9));
  other.mutable_grad() = torch::ones_like(other);
  sgd.step();
  torch::save(sgd, dir + "/sgd.pt");
  EXPECT_NE(message_of([&] { torch::load(*zero, dir + "/sgd.pt"); }).find("written by gradus::optim::SGD"),
            std::string::npos);
  std::ofstream(dir + "/truncated.pt") << "PK";
  EXPECT_NE(message_of([&] { torch::load(*zero, dir + "/truncated.pt"); }), "no error");
  // A file saved after consolidating goes stale with the next step.
  zero->consolidate_state(0);
  step(zero, w);
  step(twin, twin_w);
  EXPECT_NE(message_of([&] { torch::save(*zero, dir + "/zero.pt"); }).find("call consolidate_state() again"),
            std::string::npos);
  for (int i = 0; i < 3; ++i) {
    step(zero, w);
    step(twin, twin_w);
  }
  EXPECT_TRUE(torch::equal(w, twin_w));
  EXPECT_FALSE(torch::equal(w, start));
}

gradus::distributed::ProcessGroupOptions rank0_of_two(int port, int timeout_s) {
  gradus::distributed::ProcessGroupOptions options;
  options.rank = 0;
  options.world_size = 2;
  options.init_method = "tcp://127.0.0.1:" + std::to_string(port);
  options.timeout = std::chrono::seconds(timeout_s);
  return options;
}

template <class F>
std::pair<std::string, double> error_and_seconds(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  std::string message = "no error";
  try {
    f();
  } catch (const c10::Error& e) {
    message = e.what_without_backtrace();
  }
  return {message, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
}

TEST(DistributedFaults, PortInUseIsAClearError) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  const int port = ntohs(address.sin_port);
  const auto [message, seconds] =
      error_and_seconds([&] { gradus::distributed::ProcessGroup group(rank0_of_two(port, 5)); });
  close(fd);
  // Where it listened, truthfully: LibTorch 2.6 and later bind loopback
  // only; 1.13's store binds every interface.
  const std::string p = std::to_string(port), tail = " for tcp://127.0.0.1:" + p + " (is the port in use?)";
  EXPECT_TRUE(message.find("rank 0: listening on 127.0.0.1:" + p + tail) != std::string::npos ||
              message.find("rank 0: listening on port " + p + " of every interface" + tail) != std::string::npos)
      << message;
  EXPECT_NE(message.find("Address already in use"), std::string::npos) << message;
  EXPECT_LT(seconds, 15);
}

TEST(DistributedFaults, RendezvousThatNeverCompletesTimesOut) {
  const int port = free_port();
  const auto [message, seconds] =
      error_and_seconds([&] { gradus::distributed::ProcessGroup group(rank0_of_two(port, 2)); });
  EXPECT_NE(message.find("rank 0: "), std::string::npos) << message;
  EXPECT_NE(message.find("1 other ranks"), std::string::npos) << message;
  EXPECT_GE(seconds, 1.5) << message;
  EXPECT_LT(seconds, 15);
}

}  // namespace
}  // namespace gradus_test

int main(int argc, char** argv) {
  if (const char* worker = std::getenv("GRADUS_TEST_WORKER")) return gradus_test::run_worker(worker);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
