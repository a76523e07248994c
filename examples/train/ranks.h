#pragma once
// The processes of one gradus-train job (gradus::distributed): a single
// process, or the ranks started by --nproc or by an outside launcher.
#include <memory>

namespace gradus {
namespace distributed {
class ProcessGroup;
}
namespace examples {

struct Ranks {
  std::shared_ptr<distributed::ProcessGroup> group;  // null: one process
  bool zero = false;                                 // --zero: ZeRO-1 sharded optimizer state
  int rank() const;
  int size() const;
  bool leader() const { return rank() == 0; }  // draws progress, writes files
};

}  // namespace examples
}  // namespace gradus
