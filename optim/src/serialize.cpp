// gradus::serialize::load_archive (gradus/serialize.h).
//
// The storage check needs to know which record each storage was read from,
// which the loaded archive does not say. It is learnt from the reads: the
// zip reader reads a stored record straight into the buffer that becomes
// its storage's memory, so the read callback sees that buffer's address
// with the record's offset and size. A storage whose address was not seen
// is refused too.
#include <gradus/serialize.h>

#include <ATen/core/ivalue.h>
#include <c10/util/Exception.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <unordered_set>

#include "zip_index.h"

namespace gradus {
namespace serialize {
namespace {

}  // namespace

// Opened without blocking and checked before reading: a blocking open of a
// FIFO would wait for a writer.
std::string read_regular_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  TORCH_CHECK(fd >= 0, "cannot open ", path, ": ", std::strerror(errno));
  struct stat info {};
  std::string bytes;
  const bool regular = ::fstat(fd, &info) == 0 && S_ISREG(info.st_mode);
  if (regular) bytes.resize(static_cast<size_t>(info.st_size));
  size_t done = 0;
  while (regular && done < bytes.size()) {
    const ssize_t n = ::read(fd, &bytes[done], bytes.size() - done);
    if (n <= 0 && !(n < 0 && errno == EINTR)) break;
    if (n > 0) done += static_cast<size_t>(n);
  }
  const int error = errno;
  ::close(fd);
  TORCH_CHECK(regular, path, ": not a regular file (a FIFO, device or directory): refused");
  TORCH_CHECK(done == bytes.size(), "cannot read ", path, ": ", done < bytes.size() && error ? std::strerror(error)
                                                                                           : "the file shrank");
  return bytes;
}

namespace {

struct SeenRecord {
  std::string name;
  uint64_t size;
};

// Calls `visit(name, tensor)` for every tensor in `value`, with a dotted name.
template <typename Visit>
void for_each_tensor(const std::string& name, const c10::IValue& value, const Visit& visit) {
  if (value.isTensor()) {
    const at::Tensor& t = value.toTensor();
    if (t.is_sparse()) {
      visit(name + "._indices", t._indices());
      visit(name + "._values", t._values());
    } else {
      visit(name, t);
    }
  } else if (value.isObject()) {
    const auto object = value.toObject();
    const auto type = object->type();
    for (size_t i = 0; i < type->numAttributes(); ++i) {
      for_each_tensor(name + "." + type->getAttributeName(i), object->getSlot(i), visit);
    }
  } else if (value.isList()) {
    const auto list = value.toListRef();
    for (size_t i = 0; i < list.size(); ++i) for_each_tensor(name + "." + std::to_string(i), list[i], visit);
  } else if (value.isTuple()) {
    const auto& elements = value.toTupleRef().elements();
    for (size_t i = 0; i < elements.size(); ++i) for_each_tensor(name + "." + std::to_string(i), elements[i], visit);
  } else if (value.isGenericDict()) {
    for (const auto& entry : value.toGenericDict()) {
      for_each_tensor(name + "[" + entry.key().tagKind() + "]", entry.value(), visit);
    }
  }
}

void check_storages(torch::serialize::InputArchive& archive, const std::map<const void*, SeenRecord>& seen,
                    const std::string& path) {
  std::unordered_set<const void*> checked;
  auto check = [&](const std::string& name, const at::Tensor& t) {
    if (!t.defined()) return;
    TORCH_CHECK(t.has_storage(), path, ": tensor ", name, " has no storage (", t.toString(), ")");
    const c10::Storage& storage = t.storage();
    if (storage.nbytes() == 0 || !checked.insert(storage.unsafeGetStorageImpl()).second) return;
    const auto found = seen.find(storage.data());
    TORCH_CHECK(found != seen.end(), path, ": tensor ", name, " has a storage not read from any record of the file");
    TORCH_CHECK(storage.nbytes() <= found->second.size, path, ": tensor ", name, " declares a storage of ",
                storage.nbytes(), " bytes, but its record ", found->second.name, " holds ", found->second.size);
  };
  for (const auto& key : archive.keys()) {
    c10::IValue value;
    if (archive.try_read(key, value)) for_each_tensor(key, value, check);
  }
}

// Loads `bytes` into `archive` on the CPU, noting which buffer each record
// was read into.
void load_noting_reads(torch::serialize::InputArchive& archive, const std::string& bytes,
                       const std::vector<detail::ZipRecord>& records, std::map<const void*, SeenRecord>& seen) {
  std::map<uint64_t, const detail::ZipRecord*> by_offset;
  for (const auto& record : records) by_offset[record.offset] = &record;
  auto read = [&](uint64_t pos, void* buffer, size_t n) -> size_t {
    if (pos >= bytes.size()) return 0;
    n = std::min<size_t>(n, bytes.size() - pos);
    std::memcpy(buffer, bytes.data() + pos, n);
    const auto record = by_offset.find(pos);
    if (record != by_offset.end() && record->second->size == n) seen[buffer] = {record->second->name, n};
    return n;
  };
  archive.load_from(read, [&] { return bytes.size(); }, c10::Device(c10::kCPU));
}

}  // namespace

void load_archive(torch::serialize::InputArchive& archive, const std::string& path,
                  c10::optional<c10::Device> device) {
  const std::string bytes = read_regular_file(path);
  const auto records = detail::checked_zip_records(bytes, path);
  torch::serialize::InputArchive checked;
  std::map<const void*, SeenRecord> seen;
  try {
    load_noting_reads(checked, bytes, records, seen);
  } catch (const c10::Error& e) {
    TORCH_CHECK(false, "cannot read ", path, ": ", e.what_without_backtrace());
  }
  check_storages(checked, seen, path);
  if (!device || device->is_cpu()) {
    archive = std::move(checked);
    return;
  }
  // Checked: now its storages may be copied to the device as they load.
  torch::serialize::InputArchive on_device;
  on_device.load_from(bytes.data(), bytes.size(), device);
  archive = std::move(on_device);
}

}  // namespace serialize
}  // namespace gradus
