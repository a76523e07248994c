// The dataset readers of gradus-train: real MNIST and Fashion-MNIST files,
// generated CIFAR-10 and IDX files of the exact formats, and broken files.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "data_files.h"
#include "datasets.h"
#include "support/expect_error.h"
#include "support/scratch_folders.h"

namespace gradus {
namespace testing {
namespace {

namespace fs = std::filesystem;
using examples::read_cifar10_batch;
using examples::read_idx;

// This process's folder of generated files, removed when it exits.
fs::path scratch(const std::string& name) {
  static const fs::path dir = scratch_folders().make(
      fs::temp_directory_path() / ("gradus_data_test_" + std::to_string(::getpid())));
  return dir / name;
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

void write_gz(const fs::path& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, bytes.data(), unsigned(bytes.size()));
  gzclose(f);
}

std::string be32(uint32_t v) { return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; }

// `n` CIFAR-10 records: label i % 10, red = i, green = 100 + pixel % 100, blue = 255.
std::string cifar_records(int n) {
  std::string bytes;
  for (int i = 0; i < n; ++i) {
    bytes += char(i % 10);
    bytes += std::string(1024, char(i));
    for (int p = 0; p < 1024; ++p) bytes += char(100 + p % 100);
    bytes += std::string(1024, char(255));
  }
  return bytes;
}


TEST(Cifar10Reader, ReadsTheOfficialRecordLayout) {
  const auto path = scratch("data_batch_1.bin");
  write_bytes(path, cifar_records(12));
  auto batch = read_cifar10_batch(path.string());
  ASSERT_EQ(batch.images.sizes(), (std::vector<int64_t>{12, 3, 32, 32}));
  EXPECT_EQ(batch.labels[11].item<int64_t>(), 1);
  EXPECT_EQ(batch.images[5][0][31][31].item<uint8_t>(), 5);               // red plane
  EXPECT_EQ(batch.images[5][1][0][33 - 32].item<uint8_t>(), 100 + 1);     // green, row 0 col 1
  EXPECT_EQ(batch.images[5][1][1][0].item<uint8_t>(), 100 + 32 % 100);    // green, row 1 col 0
  EXPECT_EQ(batch.images[5][2][7][7].item<uint8_t>(), 255);               // blue plane
}

TEST(Cifar10Reader, BrokenFilesNameTheFileAndTheProblem) {
  const auto truncated = scratch("truncated.bin");
  write_bytes(truncated, cifar_records(3).substr(0, 3 * 3073 - 100));
  expect_error([&] { read_cifar10_batch(truncated.string()); }, {truncated.string(), "9119 bytes", "3073-byte CIFAR-10 records"});
  const auto bad_label = scratch("bad_label.bin");
  std::string records = cifar_records(3);
  records[3073] = char(42);
  write_bytes(bad_label, records);
  expect_error([&] { read_cifar10_batch(bad_label.string()); }, {"record 1 has label 42"});
  expect_error([&] { read_cifar10_batch(scratch("missing.bin").string()); }, {"cannot open", "missing.bin"});
}

TEST(Cifar10Dataset, LoadsFiveTrainingBatchesAndTheTestBatch) {
  const fs::path dir = scratch("cifar-10-batches-bin");
  fs::create_directories(dir);
  for (int i = 1; i <= 5; ++i) write_bytes(dir / ("data_batch_" + std::to_string(i) + ".bin"), cifar_records(4));
  write_bytes(dir / "test_batch.bin", cifar_records(6));
  auto data = examples::load_dataset("cifar10", dir.parent_path().string());  // finds the subfolder
  EXPECT_EQ(data.train_images.sizes(), (std::vector<int64_t>{20, 3, 32, 32}));
  EXPECT_EQ(data.test_labels.size(0), 6);
  EXPECT_EQ(data.train_images.scalar_type(), at::kFloat);
  // Limits keep the first records, across batch files, as the same floats.
  const auto some = examples::load_dataset("cifar10", dir.string(), {7, 2});
  EXPECT_TRUE(at::equal(some.train_images, data.train_images.slice(0, 0, 7)));
  EXPECT_TRUE(at::equal(some.train_labels, data.train_labels.slice(0, 0, 7)));
  EXPECT_TRUE(at::equal(some.test_images, data.test_images.slice(0, 0, 2)));
  EXPECT_TRUE(at::equal(some.test_labels, data.test_labels.slice(0, 0, 2)));
  write_bytes(dir / "data_batch_4.bin", cifar_records(3));  // cut at a record boundary
  for (examples::Limits limits : {examples::Limits{}, examples::Limits{1, 1}}) {  // every file is checked whole
    expect_error([&] { examples::load_dataset("cifar10", dir.string(), limits); },
                 {"data_batch_4.bin", "3 records", "data_batch_1.bin has 4", "truncated"});
  }
  fs::remove(dir / "data_batch_3.bin");
  expect_error([&] { examples::load_dataset("cifar10", dir.string()); }, {"data_batch_3.bin"});
}

TEST(IdxReader, RawAndGzippedAndBroken) {
  std::string labels = be32(0x00000801) + be32(5) + std::string("\x01\x02\x03\x04\x05", 5);
  write_bytes(scratch("labels-idx1-ubyte"), labels);
  write_gz(scratch("labels-idx1-ubyte.gz"), labels);
  for (const char* name : {"labels-idx1-ubyte", "labels-idx1-ubyte.gz"}) {
    at::Tensor t = read_idx(scratch(name).string());
    EXPECT_EQ(t.sizes(), (std::vector<int64_t>{5}));
    EXPECT_EQ(t[4].item<uint8_t>(), 5);
  }
  write_bytes(scratch("short"), labels.substr(0, labels.size() - 2));
  expect_error([&] { read_idx(scratch("short").string()); }, {"promises 5 bytes", "has 3"});
  write_bytes(scratch("magic"), be32(0x00000D03) + labels.substr(4));
  expect_error([&] { read_idx(scratch("magic").string()); }, {"not an IDX file", "0x00000801"});
  std::string gz_bytes;
  {
    write_gz(scratch("whole.gz"), labels);
    std::ifstream in(scratch("whole.gz"), std::ios::binary);
    gz_bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  write_bytes(scratch("cut.gz"), gz_bytes.substr(0, gz_bytes.size() - 6));
  expect_error([&] { read_idx(scratch("cut.gz").string()); }, {"cut.gz", "truncated gzip"});
}

std::string read_whole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A gzipped IDX file damaged in one way: the reader must refuse it whatever
// the zlib version (1.2.13 reports a file cut inside its trailer, 1.3.2's
// gzread does not).
struct GzipDamage {
  const char* name;
  std::string (*damage)(std::string gz);
  const char* expected;  // in the error message
};

std::string cut(std::string gz, size_t bytes) { return gz.substr(0, gz.size() - bytes); }
std::string flip(std::string gz, size_t from_end) {
  gz[gz.size() - from_end] = char(gz[gz.size() - from_end] ^ 0x5a);
  return gz;
}

class GzipDamageTest : public ::testing::TestWithParam<GzipDamage> {};

TEST_P(GzipDamageTest, IsRefusedNamingTheFile) {
  std::string labels = be32(0x00000801) + be32(3000);
  for (int i = 0; i < 3000; ++i) labels += char(i * 7 % 10);
  const fs::path whole = scratch(std::string(GetParam().name) + ".whole.gz");
  write_gz(whole, labels);
  EXPECT_EQ(read_idx(whole.string()).size(0), 3000);  // undamaged: read
  const fs::path damaged = scratch(std::string(GetParam().name) + ".gz");
  write_bytes(damaged, GetParam().damage(read_whole(whole)));
  expect_error([&] { read_idx(damaged.string()); }, {damaged.string(), GetParam().expected});
}

INSTANTIATE_TEST_SUITE_P(
    Damage, GzipDamageTest,
    ::testing::Values(
        GzipDamage{"last_byte_cut", [](std::string gz) { return cut(gz, 1); }, "truncated gzip"},
        GzipDamage{"size_cut", [](std::string gz) { return cut(gz, 4); }, "truncated gzip"},
        GzipDamage{"whole_trailer_cut", [](std::string gz) { return cut(gz, 8); }, "truncated gzip"},
        GzipDamage{"data_cut", [](std::string gz) { return cut(gz, 20); }, "truncated gzip"},
        GzipDamage{"half_cut", [](std::string gz) { return gz.substr(0, gz.size() / 2); }, "truncated gzip"},
        GzipDamage{"crc_wrong", [](std::string gz) { return flip(gz, 8); }, "corrupt gzip"},
        GzipDamage{"size_wrong", [](std::string gz) { return flip(gz, 2); }, "corrupt gzip"},
        GzipDamage{"garbage_after", [](std::string gz) { return gz + "junk"; }, "corrupt gzip"}),
    [](const ::testing::TestParamInfo<GzipDamage>& info) { return std::string(info.param.name); });

TEST(IdxReader, ConcatenatedGzipMembersAreOneFile) {
  const std::string labels = be32(0x00000801) + be32(4) + std::string("\x01\x02\x03\x04", 4);
  write_gz(scratch("head.gz"), labels.substr(0, 6));
  write_gz(scratch("tail.gz"), labels.substr(6));
  write_bytes(scratch("joined.gz"), read_whole(scratch("head.gz")) + read_whole(scratch("tail.gz")));
  at::Tensor t = read_idx(scratch("joined.gz").string());
  EXPECT_EQ(t.size(0), 4);
  EXPECT_EQ(t[3].item<uint8_t>(), 4);
}

TEST(RealData, FashionMnistFileCutInsideItsTrailerIsRefused) {
  const fs::path real = fs::path(examples::default_data_dir("fashion-mnist")) / "t10k-labels-idx1-ubyte.gz";
  ASSERT_TRUE(fs::exists(real)) << real;
  const fs::path damaged = scratch("t10k-labels-idx1-ubyte.gz");
  write_bytes(damaged, cut(read_whole(real), 3));
  expect_error([&] { read_idx(damaged.string()); }, {damaged.string(), "truncated gzip"});
}

TEST(RealData, MnistFromTheProjectsFetchStep) {
  auto data = examples::load_dataset("mnist", GRADUS_MNIST_DIR);
  EXPECT_EQ(data.train_images.sizes(), (std::vector<int64_t>{60000, 1, 28, 28}));
  EXPECT_EQ(data.test_labels.size(0), 10000);
  EXPECT_EQ(data.train_labels.max().item<int64_t>(), 9);
  EXPECT_NEAR(data.train_images.mean().item<double>(), 0.0, 0.01);  // normalized with MNIST's mean/std
}

// --train-limit and --test-limit: only the records kept are converted, and
// they are the whole set's first records; a limit past the end keeps all.
TEST(RealData, LimitsKeepTheFirstRecordsOfMnist) {
  const auto all = examples::load_dataset("mnist", GRADUS_MNIST_DIR);
  const auto some = examples::load_dataset("mnist", GRADUS_MNIST_DIR, {500, 200});
  EXPECT_TRUE(at::equal(some.train_images, all.train_images.slice(0, 0, 500)));
  EXPECT_TRUE(at::equal(some.train_labels, all.train_labels.slice(0, 0, 500)));
  EXPECT_TRUE(at::equal(some.test_images, all.test_images.slice(0, 0, 200)));
  EXPECT_TRUE(at::equal(some.test_labels, all.test_labels.slice(0, 0, 200)));
  const auto past = examples::load_dataset("mnist", GRADUS_MNIST_DIR, {100000, 0});
  EXPECT_EQ(past.train_images.size(0), 60000);
  EXPECT_EQ(past.test_images.size(0), 10000);
}

// Real MNIST with one label changed to 12: refused, naming the file and record.
TEST(RealData, ALabelOutOfRangeNamesTheFileAndTheRecord) {
  const fs::path dir = scratch("mnist-bad-label");
  fs::create_directories(dir);
  for (const char* name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"}) {
    fs::copy_file(fs::path(GRADUS_MNIST_DIR) / name, dir / name, fs::copy_options::overwrite_existing);
  }
  std::string labels = read_whole(fs::path(GRADUS_MNIST_DIR) / "t10k-labels-idx1-ubyte");
  labels[8 + 3] = 12;  // after the 8-byte header: record 3
  write_bytes(dir / "t10k-labels-idx1-ubyte", labels);
  for (examples::Limits limits : {examples::Limits{}, examples::Limits{1, 1}}) {  // checked whole
    expect_error([&] { examples::load_dataset("mnist", dir.string(), limits); },
                 {(dir / "t10k-labels-idx1-ubyte").string(), "record 3 has label 12", "expected 0 to 9"});
  }
}

TEST(RealData, FashionMnistFromDebiansPackage) {
  auto data = examples::load_dataset("fashion-mnist", examples::default_data_dir("fashion-mnist"));
  EXPECT_EQ(data.train_images.sizes(), (std::vector<int64_t>{60000, 1, 28, 28}));
  EXPECT_EQ(data.test_images.size(0), 10000);
}

TEST(RealData, MissingDatasetNamesTheFile) {
  expect_error([&] { examples::load_dataset("mnist", "/nonexistent/mnist"); },
               {"/nonexistent/mnist/train-images-idx3-ubyte", "cannot open"});
}

}  // namespace
}  // namespace testing
}  // namespace gradus
