// Every gradus optimizer against PyTorch's Python torch.optim: whole
// trajectories recorded by scripts/generate_optim_golden.py, including
// Adadelta, Adamax, RAdam, Rprop, NAdam, ASGD and Adafactor (which LibTorch lacks; for ASGD
// its averaged parameters too), maximize, and two and three param groups
// with options of their own. One test per case.
#include <ATen/ATen.h>
#include <gradus/gradus.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>

#include "support/golden_file.h"
#include "support/trajectory.h"

namespace gradus {
namespace testing {
namespace {

using Options = std::map<std::string, double>;

bool flag(const Options& o, const char* key) { return option_or(o, key, 0) != 0; }

std::unique_ptr<torch::optim::OptimizerOptions> options_for(const std::string& kind, const Options& o) {
  if (kind == "sgd") {
    return std::make_unique<optim::SGDOptions>(optim::SGDOptions(option_or(o, "lr", 1e-3))
        .momentum(option_or(o, "momentum", 0)).dampening(option_or(o, "dampening", 0))
        .weight_decay(option_or(o, "weight_decay", 0)).nesterov(flag(o, "nesterov"))
        .maximize(flag(o, "maximize")));
  }
  if (kind == "adam" || kind == "adamw") {
    const double default_wd = kind == "adam" ? 0.0 : 1e-2;
    auto betas = std::make_tuple(option_or(o, "beta1", 0.9), option_or(o, "beta2", 0.999));
    optim::AdamOptions a(option_or(o, "lr", 1e-3));
    a.betas(betas).eps(option_or(o, "eps", 1e-8)).weight_decay(option_or(o, "weight_decay", default_wd))
        .amsgrad(flag(o, "amsgrad")).maximize(flag(o, "maximize"));
    if (kind == "adam") return std::make_unique<optim::AdamOptions>(a);
    return std::make_unique<optim::AdamWOptions>(optim::AdamWOptions(a.lr()).betas(a.betas())
        .eps(a.eps()).weight_decay(a.weight_decay()).amsgrad(a.amsgrad()).maximize(a.maximize()));
  }
  if (kind == "adagrad") {
    return std::make_unique<optim::AdagradOptions>(optim::AdagradOptions(option_or(o, "lr", 1e-2))
        .lr_decay(option_or(o, "lr_decay", 0)).weight_decay(option_or(o, "weight_decay", 0))
        .initial_accumulator_value(option_or(o, "initial_accumulator_value", 0))
        .eps(option_or(o, "eps", 1e-10)).maximize(flag(o, "maximize")));
  }
  if (kind == "rmsprop") {
    return std::make_unique<optim::RMSpropOptions>(optim::RMSpropOptions(option_or(o, "lr", 1e-2))
        .alpha(option_or(o, "alpha", 0.99)).eps(option_or(o, "eps", 1e-8))
        .weight_decay(option_or(o, "weight_decay", 0)).momentum(option_or(o, "momentum", 0))
        .centered(flag(o, "centered")).maximize(flag(o, "maximize")));
  }
  if (kind == "adadelta") {
    return std::make_unique<optim::AdadeltaOptions>(optim::AdadeltaOptions(option_or(o, "lr", 1.0))
        .rho(option_or(o, "rho", 0.9)).eps(option_or(o, "eps", 1e-6))
        .weight_decay(option_or(o, "weight_decay", 0)).maximize(flag(o, "maximize")));
  }
  if (kind == "adamax") {
    return std::make_unique<optim::AdamaxOptions>(optim::AdamaxOptions(option_or(o, "lr", 2e-3))
        .betas(std::make_tuple(option_or(o, "beta1", 0.9), option_or(o, "beta2", 0.999)))
        .eps(option_or(o, "eps", 1e-8)).weight_decay(option_or(o, "weight_decay", 0))
        .maximize(flag(o, "maximize")));
  }
  if (kind == "radam") {
    return std::make_unique<optim::RAdamOptions>(optim::RAdamOptions(option_or(o, "lr", 1e-3))
        .betas(std::make_tuple(option_or(o, "beta1", 0.9), option_or(o, "beta2", 0.999)))
        .eps(option_or(o, "eps", 1e-8)).weight_decay(option_or(o, "weight_decay", 0))
        .decoupled_weight_decay(flag(o, "decoupled_weight_decay")).maximize(flag(o, "maximize")));
  }
  if (kind == "rprop") {
    return std::make_unique<optim::RpropOptions>(optim::RpropOptions(option_or(o, "lr", 1e-2))
        .etas(std::make_tuple(option_or(o, "etas_0", 0.5), option_or(o, "etas_1", 1.2)))
        .step_sizes(std::make_tuple(option_or(o, "step_sizes_0", 1e-6), option_or(o, "step_sizes_1", 50)))
        .maximize(flag(o, "maximize")));
  }
  if (kind == "nadam") {
    return std::make_unique<optim::NAdamOptions>(optim::NAdamOptions(option_or(o, "lr", 2e-3))
        .betas(std::make_tuple(option_or(o, "beta1", 0.9), option_or(o, "beta2", 0.999)))
        .eps(option_or(o, "eps", 1e-8)).weight_decay(option_or(o, "weight_decay", 0))
        .momentum_decay(option_or(o, "momentum_decay", 4e-3))
        .decoupled_weight_decay(flag(o, "decoupled_weight_decay")).maximize(flag(o, "maximize")));
  }
  if (kind == "asgd") {
    return std::make_unique<optim::ASGDOptions>(optim::ASGDOptions(option_or(o, "lr", 1e-2))
        .lambd(option_or(o, "lambd", 1e-4)).alpha(option_or(o, "alpha", 0.75)).t0(option_or(o, "t0", 1e6))
        .weight_decay(option_or(o, "weight_decay", 0)).maximize(flag(o, "maximize")));
  }
  if (kind == "sparse_adam") {
    return std::make_unique<optim::SparseAdamOptions>(optim::SparseAdamOptions(option_or(o, "lr", 1e-3))
        .betas(std::make_tuple(option_or(o, "beta1", 0.9), option_or(o, "beta2", 0.999)))
        .eps(option_or(o, "eps", 1e-8)).maximize(flag(o, "maximize")));
  }
  if (kind == "muon") {
    static const char* const kAdjustLrFns[] = {"original", "match_rms_adamw", "spectral_unclamped"};
    return std::make_unique<optim::MuonOptions>(optim::MuonOptions(option_or(o, "lr", 1e-3))
        .weight_decay(option_or(o, "weight_decay", 0.1)).momentum(option_or(o, "momentum", 0.95))
        .nesterov(flag(o, "nesterov")).eps(option_or(o, "eps", 1e-7))
        .ns_coefficients(std::make_tuple(option_or(o, "ns_coefficients_0", 3.4445),
                                         option_or(o, "ns_coefficients_1", -4.775),
                                         option_or(o, "ns_coefficients_2", 2.0315)))
        .ns_steps(static_cast<int64_t>(option_or(o, "ns_steps", 5)))
        .adjust_lr_fn(kAdjustLrFns[static_cast<int>(option_or(o, "adjust_lr_fn", 0))]));
  }
  if (kind == "adafactor") {
    const std::optional<double> eps1 = o.count("eps_0") ? std::optional<double>(o.at("eps_0")) : std::nullopt;
    return std::make_unique<optim::AdafactorOptions>(optim::AdafactorOptions(option_or(o, "lr", 1e-2))
        .beta2_decay(option_or(o, "beta2_decay", -0.8)).eps(std::make_tuple(eps1, option_or(o, "eps_1", 1e-3)))
        .d(option_or(o, "d", 1.0)).weight_decay(option_or(o, "weight_decay", 0)).maximize(flag(o, "maximize")));
  }
  throw std::invalid_argument("unknown optimizer in golden file: " + kind);
}

template <class Optimizer, class OptionsType>
std::unique_ptr<torch::optim::Optimizer> build(std::vector<torch::optim::OptimizerParamGroup> groups,
                                               const torch::optim::OptimizerOptions& defaults) {
  return std::make_unique<Optimizer>(std::move(groups), static_cast<const OptionsType&>(defaults));
}

// Which params (w1, b1, w2, b2) each group holds, by the number of groups:
// GROUP_PARAMS in the script (MUON_GROUP_PARAMS: Muon takes 2-D ones only).
std::vector<std::vector<size_t>> group_params(size_t groups, const std::string& kind) {
  if (kind == "sparse_adam") return groups == 1 ? std::vector<std::vector<size_t>>{{0, 1}} : std::vector<std::vector<size_t>>{{0}, {1}};
  if (kind == "muon") return groups == 1 ? std::vector<std::vector<size_t>>{{0, 2}} : std::vector<std::vector<size_t>>{{0}, {2}};
  if (groups == 1) return {{0, 1, 2, 3}};
  if (groups == 2) return {{0, 1}, {2, 3}};
  if (groups == 3) return {{0}, {1}, {2, 3}};
  throw std::invalid_argument("golden cases have 1 to 3 groups, not " + std::to_string(groups));
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const GoldenCase& c,
                                                        const std::vector<at::Tensor>& params) {
  std::vector<torch::optim::OptimizerParamGroup> groups;
  const auto split = group_params(c.groups.size(), c.kind);
  for (size_t g = 0; g < split.size(); ++g) {
    std::vector<at::Tensor> held;
    for (size_t i : split[g]) held.push_back(params[i]);
    groups.emplace_back(held, options_for(c.kind, c.groups[g]));
  }
  auto defaults = options_for(c.kind, c.groups[0]);
  if (c.kind == "sgd") return build<optim::SGD, optim::SGDOptions>(std::move(groups), *defaults);
  if (c.kind == "adam") return build<optim::Adam, optim::AdamOptions>(std::move(groups), *defaults);
  if (c.kind == "adamw") return build<optim::AdamW, optim::AdamWOptions>(std::move(groups), *defaults);
  if (c.kind == "adagrad") return build<optim::Adagrad, optim::AdagradOptions>(std::move(groups), *defaults);
  if (c.kind == "rmsprop") return build<optim::RMSprop, optim::RMSpropOptions>(std::move(groups), *defaults);
  if (c.kind == "adamax") return build<optim::Adamax, optim::AdamaxOptions>(std::move(groups), *defaults);
  if (c.kind == "radam") return build<optim::RAdam, optim::RAdamOptions>(std::move(groups), *defaults);
  if (c.kind == "rprop") return build<optim::Rprop, optim::RpropOptions>(std::move(groups), *defaults);
  if (c.kind == "nadam") return build<optim::NAdam, optim::NAdamOptions>(std::move(groups), *defaults);
  if (c.kind == "asgd") return build<optim::ASGD, optim::ASGDOptions>(std::move(groups), *defaults);
  if (c.kind == "adafactor") return build<optim::Adafactor, optim::AdafactorOptions>(std::move(groups), *defaults);
  if (c.kind == "muon") return build<optim::Muon, optim::MuonOptions>(std::move(groups), *defaults);
  if (c.kind == "sparse_adam") return build<optim::SparseAdam, optim::SparseAdamOptions>(std::move(groups), *defaults);
  return build<optim::Adadelta, optim::AdadeltaOptions>(std::move(groups), *defaults);
}

// A group that maximizes gets the gradient of -loss (as in the script).
std::vector<bool> negated_params(const GoldenCase& c) {
  std::vector<bool> negate(4);
  const auto split = group_params(c.groups.size(), c.kind);
  for (size_t g = 0; g < split.size(); ++g) {
    for (size_t i : split[g]) negate[i] = flag(c.groups[g], "maximize");
  }
  return negate;
}

const std::vector<GoldenCase>& golden_cases() {
  static const auto cases = read_golden(GRADUS_GOLDEN_DIR "/optim_trajectories.txt");
  return cases;
}

// ASGD's rows hold its averaged parameters (ax) after the parameters, as
// the script writes them.
at::Tensor asgd_trajectory(optim::ASGD& optimizer, const std::vector<at::Tensor>& params, const Problem& problem,
                           int64_t steps, const std::vector<bool>& negate) {
  std::vector<at::Tensor> rows;
  for (int64_t s = 0; s < steps; ++s) {
    problem.set_grads(params, s, negate);
    optimizer.step();
    std::vector<at::Tensor> row;
    for (const auto& p : params) row.push_back(p.detach().reshape(-1));
    for (const auto& p : params) row.push_back(optimizer.ax(p).reshape(-1));
    rows.push_back(at::cat(row));
  }
  return at::stack(rows);
}

// SparseAdam's problem (embedding_tables() and sparse_grad() in the script):
// two tables, each step a gradient on three rows, one of them twice.
at::Tensor table(int64_t rows, int64_t cols, double phase) {
  at::Tensor t = at::empty({rows, cols}, at::kDouble);
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) t[i][j] = 0.5 * std::sin(phase + 1.3 * double(cols * i + j));
  }
  return t.set_requires_grad(true);
}

at::Tensor sparse_grad(const at::Tensor& table, int64_t step, int64_t t) {
  const int64_t rows = table.size(0), cols = table.size(1);
  at::Tensor index = at::empty({1, 3}, at::kLong);
  index[0][0] = (3 * step + t) % rows;
  index[0][1] = (7 * step + 1) % rows;
  index[0][2] = (3 * step + t) % rows;
  at::Tensor values = at::empty({3, cols}, at::kDouble);
  for (int64_t k = 0; k < 3; ++k) {
    for (int64_t j = 0; j < cols; ++j) {
      values[k][j] = std::cos(0.1 * double(3 * step + k) + 0.7 * double(j) + double(t)) * (1 + 0.1 * double(k));
    }
  }
  return at::sparse_coo_tensor(index, values, table.sizes());
}

at::Tensor sparse_trajectory(torch::optim::Optimizer& optimizer, std::vector<at::Tensor>& tables, int64_t steps,
                             const std::vector<bool>& negate) {
  std::vector<at::Tensor> rows;
  for (int64_t s = 0; s < steps; ++s) {
    for (size_t t = 0; t < tables.size(); ++t) {
      const at::Tensor g = sparse_grad(tables[t], s, static_cast<int64_t>(t));
      tables[t].mutable_grad() = negate[t] ? g.neg() : g;
    }
    optimizer.step();
    rows.push_back(flatten(tables));
  }
  return at::stack(rows);
}

// Elements [begin, end) of each param in a flattened row.
std::vector<std::pair<int64_t, int64_t>> param_spans(const std::vector<at::Tensor>& params) {
  std::vector<std::pair<int64_t, int64_t>> spans;
  int64_t at = 0;
  for (const auto& p : params) {
    spans.emplace_back(at, at + p.numel());
    at += p.numel();
  }
  return spans;
}

// Muon orthogonalises in bfloat16, so a trajectory is chaotic at 1e-11: it
// is compared step by step. Each step starts from the recorded parameters
// and momentum buffers of the step before (the script's rows: every param,
// then the buffers of w1 and w2). Returns the worst error of a moved
// parameter against the recorded step, relative to that step's largest
// change, and checks the buffers (double math) to 1e-10.
double muon_worst_step(const GoldenCase& c, const Problem& problem, std::vector<at::Tensor>& params,
                       optim::Muon& muon) {
  const auto spans = param_spans(params);
  const std::vector<size_t> moved = {0, 2};
  double worst = 0;
  for (int64_t s = 0; s < c.rows.size(0); ++s) {
    if (s > 0) {
      const at::Tensor row = c.rows[s - 1];
      for (size_t i = 0; i < params.size(); ++i) {
        params[i].detach().copy_(row.slice(0, spans[i].first, spans[i].second).view_as(params[i]));
      }
      int64_t at = spans.back().second;
      for (size_t i : moved) {
        auto& state = static_cast<optim::MuonParamState&>(*muon.state_of(params[i]));
        state.momentum_buffer().copy_(row.slice(0, at, at + params[i].numel()).view_as(params[i]));
        at += params[i].numel();
      }
    }
    problem.set_grads(params, s);
    std::vector<at::Tensor> before;
    for (size_t i : moved) before.push_back(params[i].detach().clone());
    muon.step();
    const at::Tensor row = c.rows[s];
    int64_t at = spans.back().second;
    for (size_t k = 0; k < moved.size(); ++k) {
      const size_t i = moved[k];
      const at::Tensor expected = row.slice(0, spans[i].first, spans[i].second).view_as(params[i]);
      const double change = (expected - before[k]).abs().max().item<double>();
      worst = std::max(worst, (params[i] - expected).abs().max().item<double>() / change);
      const at::Tensor buffer = row.slice(0, at, at + params[i].numel()).view_as(params[i]);
      at += params[i].numel();
      const auto& state = static_cast<optim::MuonParamState&>(*muon.state_of(params[i]));
      EXPECT_LE(max_relative_diff(state.momentum_buffer().reshape({1, -1}), buffer.reshape({1, -1})), 1e-10)
          << "momentum buffer at step " << s;
    }
  }
  return worst;
}

class PythonGolden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(PythonGolden, FollowsTheTrajectory) {
  const GoldenCase& c = GetParam();
  const Problem problem;
  auto params = c.kind == "sparse_adam" ? std::vector<at::Tensor>{table(10, 3, 0.5), table(6, 2, 1.5)}
                                        : problem.initial_params(at::kDouble);
  auto optimizer = make_optimizer(c, params);
  ASSERT_GE(c.rows.size(0), 200);
  if (c.kind == "sparse_adam") {
    EXPECT_LE(max_relative_diff(sparse_trajectory(*optimizer, params, c.rows.size(0), negated_params(c)), c.rows),
              1e-10);
    return;
  }
  if (c.kind == "muon") {
    const double worst = muon_worst_step(c, problem, params, static_cast<optim::Muon&>(*optimizer));
    std::printf("%s: worst step error %.2e of the step's largest change\n", c.name.c_str(), worst);
    EXPECT_LE(worst, 2e-2) << "bfloat16 rounding is 2^-8 = 3.9e-3 per element";
    return;
  }
  at::Tensor actual =
      c.kind == "asgd"
          ? asgd_trajectory(static_cast<optim::ASGD&>(*optimizer), params, problem, c.rows.size(0), negated_params(c))
          : run_trajectory(*optimizer, params, problem, c.rows.size(0), 0, negated_params(c));
  EXPECT_LE(max_relative_diff(actual, c.rows), 1e-10);
}

INSTANTIATE_TEST_SUITE_P(Torch, PythonGolden, ::testing::ValuesIn(golden_cases()),
                         [](const ::testing::TestParamInfo<GoldenCase>& info) { return info.param.name; });

TEST(PythonGoldenFile, CoversEveryOptimizerWithTwoAndThreeGroups) {
  std::map<std::string, std::set<size_t>> group_counts;
  for (const auto& c : golden_cases()) group_counts[c.kind].insert(c.groups.size());
  EXPECT_EQ(group_counts.size(), 14u) << "every optimizer has golden cases (SGD, Adam, AdamW, Adagrad, RMSprop, "
                                         "Adadelta, Adamax, RAdam, Rprop, NAdam, ASGD, Adafactor, Muon, SparseAdam)";
  for (const auto& [kind, counts] : group_counts) {
    // Muon's problem has two 2-D params, SparseAdam's two tables: no three groups.
    EXPECT_TRUE(counts.count(2) && (counts.count(3) || kind == "muon" || kind == "sparse_adam"))
        << kind << " lacks a two- or three-group case";
  }
}

}  // namespace
}  // namespace testing
}  // namespace gradus
