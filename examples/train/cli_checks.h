#pragma once
// Checks of numeric flags that say what was wrong in words. CLI11's own
// (PositiveNumber, Range) let NaN through, and print their bounds as
// "0.000000 to 1797693134862315708145274237317043567981...".
#include <CLI/CLI.hpp>

#include <cstdint>

namespace gradus {
namespace examples {

CLI::Validator positive_number(double high = 1e300);  // a number in (0, high]
CLI::Validator non_negative_number();  // a finite number >= 0
CLI::Validator fraction();             // a number in [0, 1]
CLI::Validator integer_in(int64_t low, int64_t high);

}  // namespace examples
}  // namespace gradus
