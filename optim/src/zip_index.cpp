// The zip layout (APPNOTE 6.3): an end-of-central-directory record at the
// end (and, when a count or offset does not fit 16/32 bits, a zip64 one
// before it), then the central directory, one header per record, each
// pointing at a local header followed by the record's bytes.
#include "zip_index.h"

#include <c10/util/Exception.h>
#include <zlib.h>

#include <algorithm>
#include <limits>
#include <set>

namespace gradus {
namespace serialize {
namespace detail {
namespace {

constexpr uint32_t kEndSignature = 0x06054b50;
constexpr uint32_t kZip64EndSignature = 0x06064b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr uint32_t kCentralSignature = 0x02014b50;
constexpr uint32_t kLocalSignature = 0x04034b50;
constexpr uint64_t kEndSize = 22, kLocatorSize = 20, kZip64EndSize = 56, kCentralSize = 46, kLocalSize = 30;

// Little-endian reads at checked offsets of the file.
class Bytes {
 public:
  Bytes(const std::string& bytes, const std::string& path) : bytes_(bytes), path_(path) {}
  uint64_t size() const { return bytes_.size(); }
  void need(uint64_t offset, uint64_t length, const char* what) const {
    TORCH_CHECK(offset <= size() && length <= size() - offset, path_, ": not a whole torch::save file: ", what,
                " (", length, " bytes at offset ", offset, ") runs past the end of the file (", size(), " bytes)");
  }
  uint64_t le(uint64_t offset, int width) const {
    uint64_t value = 0;
    for (int i = width - 1; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes_[offset + i]);
    return value;
  }
  std::string text(uint64_t offset, uint64_t length) const { return bytes_.substr(offset, length); }
  const std::string& path() const { return path_; }
  const char* data() const { return bytes_.data(); }

 private:
  const std::string& bytes_;
  const std::string& path_;
};

struct Directory {
  uint64_t entries, offset, size;
};

uint64_t find_end_record(const Bytes& file) {
  TORCH_CHECK(file.size() >= kEndSize, file.path(), ": ", file.size(), " bytes is too short for a torch::save file");
  const uint64_t lowest = file.size() > kEndSize + 0xffff ? file.size() - kEndSize - 0xffff : 0;
  for (uint64_t at = file.size() - kEndSize + 1; at-- > lowest;) {
    if (file.le(at, 4) == kEndSignature && at + kEndSize + file.le(at + 20, 2) == file.size()) return at;
  }
  TORCH_CHECK(false, file.path(), ": not a torch::save file (no zip end record: truncated, or another format)");
}

Directory read_directory(const Bytes& file) {
  const uint64_t end = find_end_record(file);
  Directory d{file.le(end + 10, 2), file.le(end + 16, 4), file.le(end + 12, 4)};
  TORCH_CHECK(file.le(end + 4, 2) == 0 && file.le(end + 6, 2) == 0, file.path(), ": a zip split over disks");
  if (d.entries == 0xffff || d.offset == 0xffffffff || d.size == 0xffffffff) {
    TORCH_CHECK(end >= kLocatorSize && file.le(end - kLocatorSize, 4) == kZip64LocatorSignature, file.path(),
                ": the zip end record points to a zip64 record that is not there");
    const uint64_t at = file.le(end - kLocatorSize + 8, 8);
    file.need(at, kZip64EndSize, "the zip64 end record");
    TORCH_CHECK(file.le(at, 4) == kZip64EndSignature, file.path(), ": bad zip64 end record at offset ", at);
    d = {file.le(at + 32, 8), file.le(at + 48, 8), file.le(at + 40, 8)};
  }
  file.need(d.offset, d.size, "the zip central directory");
  return d;
}

// A zip64 extra field replaces the 32-bit fields that read 0xffffffff, in
// the order size, compressed size, offset.
void apply_zip64_extra(const Bytes& file, uint64_t extra, uint64_t length, uint64_t* fields[3]) {
  for (uint64_t at = extra; at + 4 <= extra + length;) {
    const uint64_t id = file.le(at, 2), size = file.le(at + 2, 2);
    file.need(at + 4, size, "a zip extra field");
    if (id == 1) {
      uint64_t next = at + 4;
      for (int i = 0; i < 3; ++i) {
        if (*fields[i] != 0xffffffff) continue;
        TORCH_CHECK(next + 8 <= at + 4 + size, file.path(), ": a zip64 field is missing");
        *fields[i] = file.le(next, 8);
        next += 8;
      }
    }
    at += 4 + size;
  }
}

uint64_t crc_of(const char* data, uint64_t size) {
  uint64_t crc = crc32(0L, Z_NULL, 0);
  for (uint64_t done = 0; done < size;) {
    const uint64_t chunk = std::min<uint64_t>(size - done, std::numeric_limits<uInt>::max());
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data + done), static_cast<uInt>(chunk));
    done += chunk;
  }
  return crc;
}

// TorchScript's code records are deflated: their CRC is of the inflated
// bytes, which must be exactly `size` long.
uint64_t crc_of_inflated(const char* data, uint64_t packed, uint64_t size, const std::string& path,
                         const std::string& name) {
  TORCH_CHECK(packed <= std::numeric_limits<uInt>::max() && size <= (uint64_t(1) << 30), path, ": record ", name,
              " is a deflated record of ", size, " bytes, more than gradus inflates");
  std::string out(size + 1, '\0');
  z_stream stream{};
  TORCH_CHECK(inflateInit2(&stream, -MAX_WBITS) == Z_OK, path, ": cannot start zlib");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
  stream.avail_in = static_cast<uInt>(packed);
  stream.next_out = reinterpret_cast<Bytef*>(&out[0]);
  stream.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&stream, Z_FINISH);
  const uint64_t produced = out.size() - stream.avail_out;
  inflateEnd(&stream);
  TORCH_CHECK(rc == Z_STREAM_END && produced == size, path, ": record ", name, " is damaged: it does not inflate to ",
              size, " bytes");
  return crc_of(out.data(), size);
}

ZipRecord read_record(const Bytes& file, uint64_t& at) {
  file.need(at, kCentralSize, "a zip central directory header");
  TORCH_CHECK(file.le(at, 4) == kCentralSignature, file.path(), ": bad zip central directory header at offset ", at);
  const uint64_t method = file.le(at + 10, 2), crc = file.le(at + 16, 4);
  uint64_t packed = file.le(at + 20, 4), size = file.le(at + 24, 4), local = file.le(at + 42, 4);
  const uint64_t name_length = file.le(at + 28, 2), extra_length = file.le(at + 30, 2);
  const uint64_t comment_length = file.le(at + 32, 2);
  file.need(at + kCentralSize, name_length + extra_length + comment_length, "a zip central directory header");
  const std::string name = file.text(at + kCentralSize, name_length);
  uint64_t* fields[3] = {&size, &packed, &local};
  apply_zip64_extra(file, at + kCentralSize + name_length, extra_length, fields);
  at += kCentralSize + name_length + extra_length + comment_length;

  TORCH_CHECK(method == 0 ? packed == size : method == 8, file.path(), ": record ", name,
              " is neither stored nor deflated (zip method ", method, ")");
  file.need(local, kLocalSize, "the local header of a zip record");
  TORCH_CHECK(file.le(local, 4) == kLocalSignature && file.le(local + 26, 2) == name_length &&
                  file.text(local + kLocalSize, name_length) == name,
              file.path(), ": record ", name, " has no matching local header at offset ", local);
  const uint64_t data = local + kLocalSize + name_length + file.le(local + 28, 2);
  file.need(data, packed, ("record " + name).c_str());
  const uint64_t actual = method == 0 ? crc_of(file.data() + data, size)
                                      : crc_of_inflated(file.data() + data, packed, size, file.path(), name);
  TORCH_CHECK(actual == crc, file.path(), ": record ", name, " is damaged: its CRC-32 is 0x", std::hex, actual,
              " where the file says 0x", crc);
  return {name, data, size};
}

}  // namespace

std::vector<ZipRecord> checked_zip_records(const std::string& bytes, const std::string& path) {
  const Bytes file(bytes, path);
  const Directory directory = read_directory(file);
  std::vector<ZipRecord> records;
  std::set<std::string> names;
  uint64_t at = directory.offset;
  for (uint64_t i = 0; i < directory.entries; ++i) {
    records.push_back(read_record(file, at));
    TORCH_CHECK(names.insert(records.back().name).second, path, ": record ", records.back().name, " appears twice");
    TORCH_CHECK(at <= directory.offset + directory.size, path, ": the zip central directory overruns its size");
  }
  return records;
}

}  // namespace detail
}  // namespace serialize
}  // namespace gradus
