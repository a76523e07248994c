#include "cli_checks.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace gradus {
namespace examples {
namespace {

// `text` as a whole number, or false.
bool parse_real(const std::string& text, double& value) {
  char* end = nullptr;
  errno = 0;
  value = std::strtod(text.c_str(), &end);
  return !text.empty() && *end == '\0' && errno == 0 && std::isfinite(value);
}

template <typename Fits>
CLI::Validator real_check(const std::string& description, Fits fits) {
  return CLI::Validator(
      [description, fits](std::string& text) -> std::string {
        double value = 0;
        if (parse_real(text, value) && fits(value)) return "";
        return "must be " + description + ", not '" + text + "'";
      },
      description);
}

}  // namespace

CLI::Validator positive_number(double high) {
  const std::string description =
      high >= 1e300 ? "a number above 0" : "a number above 0 and at most " + std::to_string(static_cast<long long>(high));
  return real_check(description, [high](double v) { return v > 0 && v <= high; });
}

CLI::Validator non_negative_number() {
  return real_check("a number of 0 or more", [](double v) { return v >= 0; });
}

CLI::Validator fraction() {
  return real_check("a number from 0 to 1", [](double v) { return v >= 0 && v <= 1; });
}

CLI::Validator integer_in(int64_t low, int64_t high) {
  const std::string description = "a whole number from " + std::to_string(low) + " to " + std::to_string(high);
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        char* end = nullptr;
        errno = 0;
        const long long value = std::strtoll(text.c_str(), &end, 10);
        if (!text.empty() && *end == '\0' && errno == 0 && value >= low && value <= high) return "";
        return "must be " + description + ", not '" + text + "'";
      },
      description);
}

}  // namespace examples
}  // namespace gradus
