#include "data_files.h"

#include <gradus/serialize.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

namespace gradus {
namespace examples {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Inflates a whole .gz file. zlib's inflate reports Z_STREAM_END only after
// it has read the member's trailer and checked its CRC-32 and length, so a
// file cut short anywhere, even just before or inside the 8-byte trailer, is
// refused here. (gzread does not promise that: zlib 1.3.2 returns the data of
// a file cut inside its trailer without an error.)
std::string gunzip_file(const std::string& path) {
  const std::string packed = gradus::serialize::read_regular_file(path);
  TORCH_CHECK(packed.size() <= std::numeric_limits<uInt>::max(), path, ": ", packed.size(),
              " bytes of gzip is more than one zlib call takes");
  std::string out;
  z_stream stream{};
  TORCH_CHECK(inflateInit2(&stream, 16 + MAX_WBITS) == Z_OK, path, ": cannot start zlib");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
  stream.avail_in = static_cast<uInt>(packed.size());
  char buffer[1 << 16];
  int rc = Z_OK;
  while (true) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    rc = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - stream.avail_out);
    if (rc == Z_STREAM_END) {
      if (stream.avail_in == 0) break;
      rc = inflateReset(&stream);  // another gzip member follows (as `cat a.gz b.gz` makes)
      if (rc != Z_OK) break;
      continue;
    }
    if (rc != Z_OK) break;
    if (stream.avail_in == 0 && stream.avail_out != 0) {
      rc = Z_BUF_ERROR;  // all input used, the stream not ended: cut short
      break;
    }
  }
  const std::string message = stream.msg ? stream.msg : "";
  const size_t consumed = packed.size() - stream.avail_in;
  inflateEnd(&stream);
  TORCH_CHECK(rc == Z_STREAM_END, path, ": ",
              rc == Z_BUF_ERROR ? "truncated gzip data: the file ends before the gzip trailer"
                                : "corrupt gzip data",
              message.empty() ? "" : " (" + message + ")", " after ", consumed, " of ", packed.size(), " bytes");
  return out;
}

uint32_t big_endian_u32(const std::string& bytes, size_t offset) {
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data() + offset);
  return (uint32_t(b[0]) << 24) | (uint32_t(b[1]) << 16) | (uint32_t(b[2]) << 8) | uint32_t(b[3]);
}

}  // namespace

std::string read_file_bytes(const std::string& path) {
  return ends_with(path, ".gz") ? gunzip_file(path) : gradus::serialize::read_regular_file(path);
}

at::Tensor read_idx(const std::string& path) {
  const std::string bytes = read_file_bytes(path);
  TORCH_CHECK(bytes.size() >= 8, path, ": ", bytes.size(), " bytes is too short for an IDX header");
  const uint32_t magic = big_endian_u32(bytes, 0);
  TORCH_CHECK(magic == 0x00000801 || magic == 0x00000803, path, ": not an IDX file of unsigned bytes: magic 0x",
              std::hex, magic, ", expected 0x00000801 (labels) or 0x00000803 (images)");
  const size_t dims = magic & 0xff;
  TORCH_CHECK(bytes.size() >= 4 + 4 * dims, path, ": truncated IDX header");
  std::vector<int64_t> shape;
  size_t count = 1;
  for (size_t d = 0; d < dims; ++d) {
    shape.push_back(big_endian_u32(bytes, 4 + 4 * d));
    count *= size_t(shape.back());
  }
  const size_t header = 4 + 4 * dims;
  TORCH_CHECK(bytes.size() - header == count, path, ": the header promises ", count,
              " bytes of data but the file has ", bytes.size() - header, " (truncated or not this file?)");
  at::Tensor out = at::empty(shape, at::kByte);
  std::memcpy(out.data_ptr<uint8_t>(), bytes.data() + header, count);
  return out;
}

Cifar10Batch read_cifar10_batch(const std::string& path) {
  constexpr size_t kRecord = 1 + 3 * 32 * 32;
  const std::string bytes = read_file_bytes(path);
  TORCH_CHECK(!bytes.empty() && bytes.size() % kRecord == 0, path, ": ", bytes.size(),
              " bytes is not a whole number of ", kRecord,
              "-byte CIFAR-10 records (truncated, or not a CIFAR-10 binary batch)");
  const int64_t n = int64_t(bytes.size() / kRecord);
  Cifar10Batch batch{at::empty({n, 3, 32, 32}, at::kByte), at::empty({n}, at::kLong)};
  auto* images = batch.images.data_ptr<uint8_t>();
  auto* labels = batch.labels.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    const auto* record = reinterpret_cast<const uint8_t*>(bytes.data()) + i * kRecord;
    TORCH_CHECK(record[0] < 10, path, ": record ", i, " has label ", int(record[0]), ", expected 0 to 9");
    labels[i] = record[0];
    std::memcpy(images + i * (kRecord - 1), record + 1, kRecord - 1);
  }
  return batch;
}

}  // namespace examples
}  // namespace gradus
