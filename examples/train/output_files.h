#pragma once
// Writing gradus-train's outputs (checkpoint, metrics, plot) so that a full
// disk or a bad path is an error naming the file, never a truncated file in
// place of a good one.
#include <string>

namespace gradus {
namespace examples {

// Throws, naming the path, if `path` can't be written: its folder is missing
// or read-only, or it is a folder. Called before any training starts.
void check_writable(const std::string& path);

// Writes `bytes` to `path`, checking every write. A regular file (or a new
// one) is written to a temporary file in the same folder, synced, and
// renamed over it, so a failed write leaves the old file as it was. Anything
// else (/dev/null, /dev/full, a pipe) is written in place.
void write_file(const std::string& path, const std::string& bytes);

}  // namespace examples
}  // namespace gradus
