#include "progress.h"

#include <unistd.h>

#include <string>

namespace gradus {
namespace examples {
namespace {

std::string clock_text(double seconds) {
  const auto s = int64_t(seconds + 0.5);
  char text[32];
  std::snprintf(text, sizeof text, "%lld:%02lld", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  return text;
}

}  // namespace

Progress::Progress(std::string label, int64_t epochs, int64_t steps_per_epoch, int64_t log_interval, FILE* out)
    : label_(std::move(label)),
      epochs_(epochs),
      steps_per_epoch_(steps_per_epoch),
      log_interval_(log_interval),
      out_(out),
      terminal_(out && isatty(fileno(out))),
      start_(std::chrono::steady_clock::now()) {}

void Progress::update(int64_t epoch, int64_t step, double loss, double lr, double samples_per_second) {
  if (!out_) return;
  const bool last = step == steps_per_epoch_;
  if (!terminal_ && step % log_interval_ != 0 && !last) return;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const int64_t done = (epoch - 1) * steps_per_epoch_ + step, total = epochs_ * steps_per_epoch_;
  const double eta = done ? elapsed / double(done) * double(total - done) : 0;
  if (terminal_) {
    constexpr int kWidth = 24;
    const int filled = int(kWidth * step / steps_per_epoch_);
    std::string bar = std::string(filled, '#') + std::string(kWidth - filled, '.');
    std::fprintf(out_, "\r%s epoch %lld/%lld [%s] %lld/%lld loss %.4f lr %.3g %.0f samples/s ETA %s ", label_.c_str(),
                 static_cast<long long>(epoch), static_cast<long long>(epochs_), bar.c_str(), static_cast<long long>(step),
                 static_cast<long long>(steps_per_epoch_), loss, lr, samples_per_second, clock_text(eta).c_str());
  } else {
    std::fprintf(out_, "%s epoch %lld/%lld step %lld/%lld loss %.4f lr %.4g samples/s %.0f ETA %s\n", label_.c_str(),
                 static_cast<long long>(epoch), static_cast<long long>(epochs_), static_cast<long long>(step),
                 static_cast<long long>(steps_per_epoch_), loss, lr, samples_per_second, clock_text(eta).c_str());
  }
  std::fflush(out_);
}

void Progress::epoch_done(int64_t epoch, double train_loss, double test_loss, double test_accuracy, double seconds) {
  if (!out_) return;
  std::fprintf(out_, "%s%s epoch %lld/%lld done in %.1f s: train loss %.4f, test loss %.4f, test accuracy %.2f%%\n",
               terminal_ ? "\n" : "", label_.c_str(), static_cast<long long>(epoch), static_cast<long long>(epochs_),
               seconds, train_loss, test_loss, 100 * test_accuracy);
  std::fflush(out_);
}

}  // namespace examples
}  // namespace gradus
