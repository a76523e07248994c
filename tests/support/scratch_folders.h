#pragma once
// Folders a test process makes under the temp folder, removed when the
// process exits: a run of the suite would otherwise leave hundreds behind.
#include <filesystem>
#include <system_error>
#include <vector>

namespace gradus {
namespace testing {

class ScratchFolders {
 public:
  // Makes `dir` (empty) and removes it at exit.
  std::filesystem::path make(const std::filesystem::path& dir) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    made_.push_back(dir);
    return dir;
  }
  ~ScratchFolders() {
    std::error_code ignored;
    for (const auto& dir : made_) std::filesystem::remove_all(dir, ignored);
  }

 private:
  std::vector<std::filesystem::path> made_;
};

inline ScratchFolders& scratch_folders() {
  static ScratchFolders folders;
  return folders;
}

}  // namespace testing
}  // namespace gradus
