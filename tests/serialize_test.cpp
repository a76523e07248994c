// gradus::serialize::load against crafted torch::save files: each is one
// that LibTorch 1.13's torch::load takes without a word, and which gradus
// must refuse before anything changes.
#include <gradus/optim/adam.h>
#include <gradus/serialize.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <caffe2/serialize/inline_container.h>
#include <torch/nn/modules/linear.h>
#include <torch/serialize.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace {

std::string scratch(const std::string& name) {
  return ::testing::TempDir() + "gradus_serialize_" + std::to_string(::getpid()) + "_" + name;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_all(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

torch::nn::Linear saved_linear(const std::string& path) {
  torch::manual_seed(0);
  torch::nn::Linear linear(4, 3);
  torch::save(linear, path);
  return linear;
}

// The pickle's element count of the first storage, replaced by `numel`:
// after BINUNICODE 'cpu' and its BINPUT come the count's opcode and bytes.
std::string with_first_storage_numel(std::string pickle, int64_t numel) {
  const std::string cpu("X\x03\x00\x00\x00" "cpu", 8);
  size_t at = pickle.find(cpu);
  EXPECT_NE(at, std::string::npos);
  at += cpu.size();
  at += pickle[at] == 'q' ? 2 : 5;  // BINPUT n or LONG_BINPUT nnnn
  const size_t old_length = pickle[at] == 'K' ? 2 : pickle[at] == 'M' ? 3 : 5;
  std::string count("\x8a\x08", 2);  // LONG1 of 8 bytes
  for (int i = 0; i < 8; ++i) count.push_back(static_cast<char>((static_cast<uint64_t>(numel) >> (8 * i)) & 0xff));
  return pickle.replace(at, old_length, count);
}

// Rewrites the file at `path` with its data.pkl changed by `edit`; the zip
// and its CRCs are written anew, so only the storage sizes are wrong.
template <typename Edit>
void rewrite_pickle(const std::string& path, Edit edit) {
  caffe2::serialize::PyTorchStreamReader reader(path);
  std::ostringstream out;
  caffe2::serialize::PyTorchStreamWriter writer([&](const void* data, size_t n) {
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
    return n;
  });
  for (const auto& name : reader.getAllRecords()) {
    if (name == "version" || name == ".data/version") continue;  // written by writeEndOfFile
    auto [data, size] = reader.getRecord(name);
    std::string bytes(static_cast<const char*>(data.get()), size);
    if (name == "data.pkl") bytes = edit(bytes);
    writer.writeRecord(name, bytes.data(), bytes.size());
  }
  writer.writeEndOfFile();
  write_all(path, out.str());
}

void expect_refused(const std::string& path, const std::string& message) {
  torch::nn::Linear target(4, 3);
  const auto before = target->weight.clone();
  try {
    gradus::serialize::load(target, path);
    ADD_FAILURE() << path << " was loaded";
  } catch (const c10::Error& e) {
    const std::string what = e.what_without_backtrace();
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_NE(what.find(message), std::string::npos) << what;
  }
  EXPECT_TRUE(target->weight.equal(before)) << "a refused file changed the module";
}

TEST(Serialize, LoadsWhatTorchSaveWrote) {
  const auto path = scratch("good.pt");
  auto linear = saved_linear(path);
  torch::nn::Linear loaded(4, 3);
  gradus::serialize::load(loaded, path);
  EXPECT_TRUE(loaded->weight.equal(linear->weight));
  EXPECT_TRUE(loaded->bias.equal(linear->bias));
  std::remove(path.c_str());
}

TEST(Serialize, LoadsOptimizerStateExactly) {
  const auto path = scratch("adam.pt");
  auto w = torch::randn({5}, torch::kDouble).requires_grad_();
  auto w_resumed = w.detach().clone().requires_grad_();
  gradus::optim::Adam adam({w}, gradus::optim::AdamOptions(0.1));
  w.mutable_grad() = torch::ones_like(w);
  adam.step();
  torch::save(adam, path);
  gradus::optim::Adam resumed({w_resumed}, gradus::optim::AdamOptions(0.1));
  gradus::serialize::load(resumed, path);
  w_resumed.detach().copy_(w.detach());
  w.mutable_grad() = torch::full_like(w, 0.5);
  w_resumed.mutable_grad() = torch::full_like(w, 0.5);
  adam.step();
  resumed.step();
  EXPECT_TRUE(w.equal(w_resumed));
  std::remove(path.c_str());
}

// A storage that declares more elements than its record holds: by one
// page, by 256 KB and by 2^31 - 1 floats (the first two leak the heap into
// the next save, the last crashes it).
class OverstatedStorage : public ::testing::TestWithParam<int64_t> {};

TEST_P(OverstatedStorage, IsRefusedNamingTheTensor) {
  const auto path = scratch("overstated.pt");
  saved_linear(path);
  rewrite_pickle(path, [](const std::string& p) { return with_first_storage_numel(p, 12 + GetParam()); });
  expect_refused(path, "declares a storage of " + std::to_string((12 + GetParam()) * 4) + " bytes");
  expect_refused(path, "tensor weight");
  std::remove(path.c_str());
}

INSTANTIATE_TEST_SUITE_P(Serialize, OverstatedStorage, ::testing::Values(1024, 65536, (int64_t(1) << 31) - 1));

TEST(Serialize, RefusesADamagedRecord) {
  const auto path = scratch("damaged.pt");
  saved_linear(path);
  std::string bytes = read_all(path);
  caffe2::serialize::PyTorchStreamReader reader(path);
  const size_t data = reader.getRecordOffset("data/0");
  bytes[data] ^= 0x40;  // one weight changed in place; the CRC is not
  write_all(path, bytes);
  expect_refused(path, "/data/0 is damaged: its CRC-32 is");
  std::remove(path.c_str());
}

TEST(Serialize, RefusesATruncatedFile) {
  const auto path = scratch("truncated.pt");
  saved_linear(path);
  const std::string bytes = read_all(path);
  for (size_t keep : {size_t(0), size_t(10), bytes.size() / 2, bytes.size() - 1}) {
    write_all(path, bytes.substr(0, keep));
    expect_refused(path, keep < 22 ? "too short" : "not a torch::save file");
  }
  std::remove(path.c_str());
}

TEST(Serialize, RefusesAFifoWithoutWaiting) {
  const auto path = scratch("fifo");
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  const auto start = std::chrono::steady_clock::now();
  expect_refused(path, "not a regular file");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  std::remove(path.c_str());
  expect_refused(::testing::TempDir(), "not a regular file");
}

}  // namespace
