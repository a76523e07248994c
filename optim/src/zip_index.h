#pragma once
// The records of a torch::save file (a zip archive whose records are all
// stored, not compressed), read from its central directory and checked.
#include <cstdint>
#include <string>
#include <vector>

namespace gradus {
namespace serialize {
namespace detail {

struct ZipRecord {
  std::string name;
  uint64_t offset;  // of the record's bytes in the file
  uint64_t size;
};

// Every record of the zip in `bytes`, after checking that each is stored,
// lies inside the file behind a local header of the same name, and has the
// CRC-32 the central directory gives. Throws c10::Error naming `path` and
// the record otherwise.
std::vector<ZipRecord> checked_zip_records(const std::string& bytes, const std::string& path);

}  // namespace detail
}  // namespace serialize
}  // namespace gradus
