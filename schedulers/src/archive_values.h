#pragma once
// Reading and writing a scheduler's numbers; a missing entry is an error
// that names it.
#include <torch/serialize/archive.h>

#include <string>
#include <vector>

namespace gradus {
namespace schedulers {
namespace detail {

void write_doubles(torch::serialize::OutputArchive& archive, const std::string& key,
                   const std::vector<double>& values);
std::vector<double> read_doubles(torch::serialize::InputArchive& archive, const std::string& key);
void write_value(torch::serialize::OutputArchive& archive, const std::string& key, double value);
double read_value(torch::serialize::InputArchive& archive, const std::string& key);

}  // namespace detail
}  // namespace schedulers
}  // namespace gradus
