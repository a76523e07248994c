#pragma once
// Optimizer and schedule flags that no run of a command reads (e.g.
// --nesterov with Adam): gradus-train refuses them instead of ignoring them.
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace gradus {
namespace examples {

// The first flag given on `app` that none of `optimizers` or `schedulers`
// reads, as a message naming it and what reads it; empty if none.
std::string flag_doing_nothing(const CLI::App& app, const std::vector<std::string>& optimizers,
                               const std::vector<std::string>& schedulers);

}  // namespace examples
}  // namespace gradus
