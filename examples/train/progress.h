#pragma once
// Training progress: a bar redrawn in place on a terminal, plain lines
// every log interval otherwise (a log file, a pipe, CI). With a null `out`
// it draws nothing (the ranks of a job other than rank 0).
#include <chrono>
#include <cstdio>
#include <string>

namespace gradus {
namespace examples {

class Progress {
 public:
  Progress(std::string label, int64_t epochs, int64_t steps_per_epoch, int64_t log_interval, FILE* out = stdout);
  // After each optimizer step: the epoch (from 1), the step in it (from 1).
  void update(int64_t epoch, int64_t step, double loss, double lr, double samples_per_second);
  // After an epoch's evaluation.
  void epoch_done(int64_t epoch, double train_loss, double test_loss, double test_accuracy, double seconds);

 private:
  std::string label_;
  int64_t epochs_, steps_per_epoch_, log_interval_;
  FILE* out_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace examples
}  // namespace gradus
