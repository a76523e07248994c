// ProcessGroup on c10d: a TCPStore or FileStore for rendezvous, and
// ProcessGroupGloo for the collectives. Every c10d call is wrapped so that a
// failure says which rank saw it and what it was doing.
#include <gradus/distributed/process_group.h>

#include <ATen/ops/empty.h>
#include <ATen/ops/zeros.h>
#include <c10/util/Exception.h>
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "torch_version.h"  // optim/src: GRADUS_TORCH_AT_LEAST
#ifdef GRADUS_DISTRIBUTED_NCCL
#include "nccl_backend.h"
#endif

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <sstream>

namespace gradus {
namespace distributed {
namespace {

const char* const kWho = "gradus::distributed";

std::string required_env(const char* name) {
  const char* value = std::getenv(name);
  TORCH_CHECK(value && *value, kWho, ": environment variable ", name,
              " is not set (a launcher such as torchrun sets RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT)");
  return value;
}

int64_t parse_integer(const std::string& text, const char* name, int64_t low, int64_t high) {
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  TORCH_CHECK(!text.empty() && *end == '\0' && errno == 0 && value >= low && value <= high, kWho, ": ", name,
              " is '", text, "'; expected an integer in [", low, ", ", high, "]");
  return value;
}

struct TcpAddress {
  std::string host;
  uint16_t port;
};

TcpAddress parse_tcp(const std::string& init_method) {
  const std::string rest = init_method.substr(std::strlen("tcp://"));
  const auto colon = rest.rfind(':');
  TORCH_CHECK(colon != std::string::npos && colon > 0, kWho, ": init_method '", init_method,
              "' should be tcp://ADDR:PORT");
  const auto port = parse_integer(rest.substr(colon + 1), "the port of init_method", 1, 65535);
  return {rest.substr(0, colon), static_cast<uint16_t>(port)};
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

bool is_loopback(const std::string& host) { return host == "localhost" || starts_with(host, "127."); }

// This machine's address on the route to `host` (no packet is sent: a UDP
// socket's connect only picks the route), or "" if there is none.
std::string local_address_towards(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), "9", &hints, &found) != 0 || !found) return "";
  std::string address;
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in local{};
  socklen_t length = sizeof(local);
  char text[INET_ADDRSTRLEN] = {};
  if (fd >= 0 && connect(fd, found->ai_addr, found->ai_addrlen) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0 &&
      inet_ntop(AF_INET, &local.sin_addr, text, sizeof(text))) {
    address = text;
  }
  if (fd >= 0) close(fd);
  freeaddrinfo(found);
  return address;
}

// The network device Gloo connects through: GLOO_SOCKET_IFNAME's interface
// if set (as in PyTorch); loopback for a job on one machine; else this
// machine's address on the route to rank 0, which the others can reach.
std::shared_ptr<::gloo::transport::Device> gloo_device(const std::string& host) {
  if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME")) {
    return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
  }
  if (host.empty() || is_loopback(host)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  const std::string local = local_address_towards(host);
  if (!local.empty()) return c10d::ProcessGroupGloo::createDeviceForHostname(local);
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

#if GRADUS_TORCH_AT_LEAST(2, 6)
// A listening TCP socket on 127.0.0.1:port, for TCPStoreOptions::masterListenFd
// (the store then owns it).
int loopback_listener(uint16_t port, int rank, const std::string& init_method) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  TORCH_CHECK(fd >= 0, kWho, ": rank ", rank, ": cannot make a socket: ", std::strerror(errno));
  const int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 || listen(fd, SOMAXCONN) != 0) {
    const int error = errno;
    close(fd);
    TORCH_CHECK(false, kWho, ": rank ", rank, ": listening on 127.0.0.1:", port, " for ", init_method,
                " (is the port in use?) failed: ", std::strerror(error));
  }
  return fd;
}
#endif

[[noreturn]] void fail(int rank, const std::string& what, const std::exception& e) {
  // c10d's own errors carry a backtrace of its internals: leave it out.
  const auto* c10_error = dynamic_cast<const c10::Error*>(&e);
  TORCH_CHECK(false, kWho, ": rank ", rank, ": ", what, " failed: ",
              c10_error ? c10_error->what_without_backtrace() : e.what());
}

}  // namespace

ProcessGroupOptions ProcessGroupOptions::from_environment() {
  ProcessGroupOptions options;
  options.world_size = static_cast<int>(parse_integer(required_env("WORLD_SIZE"), "WORLD_SIZE", 1, 1 << 20));
  options.rank = static_cast<int>(parse_integer(required_env("RANK"), "RANK", 0, options.world_size - 1));
  const std::string port = required_env("MASTER_PORT");
  parse_integer(port, "MASTER_PORT", 1, 65535);
  options.init_method = "tcp://" + required_env("MASTER_ADDR") + ":" + port;
  if (const char* timeout = std::getenv("GRADUS_DIST_TIMEOUT_S")) {
    options.timeout = std::chrono::seconds(parse_integer(timeout, "GRADUS_DIST_TIMEOUT_S", 1, 86400));
  }
  return options;
}

struct ProcessGroup::Backend {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
  std::chrono::milliseconds timeout;
#ifdef GRADUS_DISTRIBUTED_NCCL
  std::unique_ptr<NcclBackend> nccl;  // made on the first CUDA collective
  NcclBackend& nccl_for(int rank, int size) {
    if (!nccl) nccl = make_nccl_backend(store, rank, size, timeout);
    return *nccl;
  }
#endif
};

namespace {

// CUDA tensors go through NCCL where gradus was built with it.
void require_backend_for(const at::Tensor& tensor, int rank) {
#ifndef GRADUS_DISTRIBUTED_NCCL
  TORCH_CHECK(!tensor.is_cuda(), kWho, ": rank ", rank,
              ": a collective on a CUDA tensor needs NCCL, and this gradus::distributed was built without it");
#endif
}

}  // namespace

ProcessGroup::ProcessGroup(const ProcessGroupOptions& options)
    : backend_(std::make_unique<Backend>()), rank_(options.rank), size_(options.world_size) {
  TORCH_CHECK(size_ >= 1, kWho, ": world_size should be >= 1 but is ", size_);
  TORCH_CHECK(rank_ >= 0 && rank_ < size_, kWho, ": rank should be in [0, ", size_, ") but is ", rank_);
  TORCH_CHECK(options.timeout.count() > 0, kWho, ": timeout should be > 0 ms but is ", options.timeout.count());
  backend_->timeout = options.timeout;
  std::string host;
  if (starts_with(options.init_method, "tcp://")) {
    const TcpAddress address = parse_tcp(options.init_method);
    host = address.host;
    c10d::TCPStoreOptions store_options;
    store_options.port = address.port;
    store_options.isServer = rank_ == 0;
    store_options.numWorkers = static_cast<size_t>(size_);
    store_options.timeout = options.timeout;
#if GRADUS_TORCH_AT_LEAST(2, 2)
    // LibTorch 2.4+ asks for its libuv store by default, which builds
    // without libuv (Debian's) refuse; the classic one works in every build.
    store_options.useLibUV = false;
#endif
    std::string listening = "port " + std::to_string(address.port) + " of every interface";
#if GRADUS_TORCH_AT_LEAST(2, 6)
    // c10d's own listener binds every interface; for a job on one machine,
    // rank 0 hands it a socket bound to loopback instead.
    if (rank_ == 0 && is_loopback(address.host)) {
      store_options.masterListenFd = loopback_listener(address.port, rank_, options.init_method);
      listening = "127.0.0.1:" + std::to_string(address.port);
    }
#endif
    try {
      backend_->store = c10::make_intrusive<c10d::TCPStore>(address.host, store_options);
    } catch (const std::exception& e) {
      fail(rank_,
           rank_ == 0 ? "listening on " + listening + " for " + options.init_method +
                            " (is the port in use?) and waiting for " + std::to_string(size_ - 1) + " other ranks"
                      : "connecting to rank 0 at " + options.init_method,
           e);
    }
  } else if (starts_with(options.init_method, "file://")) {
    const std::string path = options.init_method.substr(std::strlen("file://"));
    try {
      backend_->store = c10::make_intrusive<c10d::FileStore>(path, size_);
      backend_->store->setTimeout(options.timeout);
    } catch (const std::exception& e) {
      fail(rank_, "opening the rendezvous file " + path, e);
    }
  } else {
    TORCH_CHECK(false, kWho, ": init_method '", options.init_method, "' should start with tcp:// or file://");
  }
  try {
    auto gloo_options = c10d::ProcessGroupGloo::Options::create(options.timeout);
    gloo_options->devices.push_back(gloo_device(host));
    backend_->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(backend_->store, rank_, size_, gloo_options);
  } catch (const std::exception& e) {
    fail(rank_, "meeting the " + std::to_string(size_ - 1) + " other ranks through " + options.init_method, e);
  }
}

ProcessGroup::~ProcessGroup() = default;

void ProcessGroup::all_reduce_sum(at::Tensor& tensor) {
  require_backend_for(tensor, rank_);
  std::vector<at::Tensor> tensors{tensor};
  try {
#ifdef GRADUS_DISTRIBUTED_NCCL
    if (tensor.is_cuda()) return backend_->nccl_for(rank_, size_).all_reduce_sum(tensor);
#endif
    backend_->gloo->allreduce(tensors)->wait(backend_->timeout);
  } catch (const std::exception& e) {
    fail(rank_, "all-reduce (another rank may have stopped)", e);
  }
}

void ProcessGroup::broadcast(at::Tensor& tensor, int root) {
  std::vector<at::Tensor> tensors{tensor};
  c10d::BroadcastOptions options;
  options.rootRank = root;
  require_backend_for(tensor, rank_);
  try {
#ifdef GRADUS_DISTRIBUTED_NCCL
    if (tensor.is_cuda()) return backend_->nccl_for(rank_, size_).broadcast(tensor, root);
#endif
    backend_->gloo->broadcast(tensors, options)->wait(backend_->timeout);
  } catch (const std::exception& e) {
    fail(rank_, "broadcast from rank " + std::to_string(root) + " (another rank may have stopped)", e);
  }
}

void ProcessGroup::barrier() {
  try {
    backend_->gloo->barrier()->wait(backend_->timeout);
  } catch (const std::exception& e) {
    fail(rank_, "barrier (another rank may have stopped)", e);
  }
}

namespace {

// The first line where `mine` and `theirs` differ, or "" if none.
std::string first_difference(const std::string& mine, const std::string& theirs, int rank) {
  std::istringstream a(mine), b(theirs);
  std::string line_a, line_b;
  while (true) {
    const bool more_a = static_cast<bool>(std::getline(a, line_a));
    const bool more_b = static_cast<bool>(std::getline(b, line_b));
    if (!more_a && !more_b) return "";
    if (!more_a) line_a = "(nothing)";
    if (!more_b) line_b = "(nothing)";
    if (line_a != line_b) {
      return "rank " + std::to_string(rank) + " has " + line_a + " where rank 0 has " + line_b;
    }
  }
}

}  // namespace

void ProcessGroup::require_same_settings(const std::string& settings) {
  const std::vector<std::string> all = gather_bytes(settings, 0);
  std::string verdict;  // rank 0 decides and tells everyone
  if (rank_ == 0) {
    for (int r = 1; r < size_ && verdict.empty(); ++r) verdict = first_difference(all[r], all[0], r);
  }
  // The verdict travels back from rank 0 by broadcast.
  at::Tensor length = at::zeros({1}, at::kLong);
  if (rank_ == 0) length.fill_(static_cast<int64_t>(verdict.size()));
  broadcast(length, 0);
  at::Tensor text = at::empty({length.item<int64_t>()}, at::kByte);
  if (rank_ == 0 && !verdict.empty()) std::memcpy(text.data_ptr(), verdict.data(), verdict.size());
  if (text.numel() > 0) broadcast(text, 0);
  verdict.assign(static_cast<const char*>(text.data_ptr()), static_cast<size_t>(text.numel()));
  TORCH_CHECK(verdict.empty(), kWho, ": the ranks were started with different settings: ", verdict);
}

std::vector<std::string> ProcessGroup::gather_bytes(const std::string& bytes, int root) {
  // Every rank's length, then every rank's bytes padded to the longest.
  at::Tensor lengths = at::zeros({size_}, at::kLong);
  lengths.data_ptr<int64_t>()[rank_] = static_cast<int64_t>(bytes.size());
  all_reduce_sum(lengths);
  int64_t longest = 1;
  for (int r = 0; r < size_; ++r) longest = std::max(longest, lengths.data_ptr<int64_t>()[r]);
  at::Tensor mine = at::zeros({longest}, at::kByte);
  if (!bytes.empty()) std::memcpy(mine.data_ptr(), bytes.data(), bytes.size());
  std::vector<at::Tensor> inputs{mine};
  std::vector<std::vector<at::Tensor>> outputs;
  if (rank_ == root) {
    outputs.emplace_back();
    for (int r = 0; r < size_; ++r) outputs[0].push_back(at::empty({longest}, at::kByte));
  }
  c10d::GatherOptions options;
  options.rootRank = root;
  try {
    backend_->gloo->gather(outputs, inputs, options)->wait(backend_->timeout);
  } catch (const std::exception& e) {
    fail(rank_, "gather to rank " + std::to_string(root) + " (another rank may have stopped)", e);
  }
  std::vector<std::string> gathered;
  if (rank_ != root) return gathered;
  for (int r = 0; r < size_; ++r) {
    gathered.emplace_back(static_cast<const char*>(outputs[0][r].data_ptr()),
                          static_cast<size_t>(lengths.data_ptr<int64_t>()[r]));
  }
  return gathered;
}

}  // namespace distributed
}  // namespace gradus
