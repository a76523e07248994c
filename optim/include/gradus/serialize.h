#pragma once
// Loading torch::save files that someone else may have written.
//
// torch::load trusts its file: it checks no zip CRC, and a tensor whose
// storage declares more bytes than its record holds is loaded as is, so
// that the next read or save of that storage goes past the record's buffer
// (a crash, or the process's heap copied into the next checkpoint).
// gradus::serialize::load checks the whole file first and refuses it,
// naming the file and the record or tensor, before anything is changed:
//   - a regular file (a FIFO or a device would block or never end);
//   - a well-formed zip: every record stored, inside the file, and its
//     CRC-32 as the central directory says;
//   - every tensor's storage no larger than the record it was read from.
// What a tensor's shape and dtype must be is for the loading object to
// check (gradus's optimizers check their state against their params).
#include <ATen/core/Tensor.h>
#include <c10/util/Optional.h>
#include <torch/serialize/input-archive.h>

#include <string>

namespace gradus {
namespace serialize {

// The whole of the regular file `path`. Anything else (a FIFO, a device, a
// folder) is refused naming it, without waiting for a writer.
std::string read_regular_file(const std::string& path);

// Reads `path` into `archive` (on `device`, CPU if none) after the checks
// above. Throws c10::Error naming `path` if a check fails; `archive` is then
// left as it was.
void load_archive(torch::serialize::InputArchive& archive, const std::string& path,
                  c10::optional<c10::Device> device = c10::nullopt);

// torch::load(value, path) with the checks: for an optimizer, a module, or
// anything with `archive >> value`.
template <typename Value>
void load(Value& value, const std::string& path, c10::optional<c10::Device> device = c10::nullopt) {
  torch::serialize::InputArchive archive;
  load_archive(archive, path, device);
  archive >> value;
}

}  // namespace serialize
}  // namespace gradus
