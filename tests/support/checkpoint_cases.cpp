#include "support/checkpoint_cases.h"

#include <gradus/gradus.h>

#include <algorithm>

#include "support/optimizer_zoo.h"
#include "support/problem.h"

namespace gradus {
namespace testing {
namespace {

// The optimizers gradus 0.1.0 had, whose checkpoints tests/golden/checkpoints holds.
const std::vector<std::string> kFixtured = {"sgd",     "adam",  "adamw", "adagrad", "rmsprop", "adadelta",
                                            "adamax",  "radam", "rprop", "nadam",   "asgd",    "adafactor"};

std::string short_name(const std::string& name) {  // "gradus::optim::NAdam" -> "nadam"
  std::string s = name.substr(name.rfind(':') + 1);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Every optimizer of the zoo on the test problem, two param groups.
CheckpointCase zoo_case(const OptimizerFactory& f) {
  auto run_over = [f](std::vector<at::Tensor> params) {
    CheckpointRun run;
    run.params = std::move(params);
    auto probe = f.make(GroupList{torch::optim::OptimizerParamGroup(run.params)});
    run.optimizer = f.make(two_groups(run.params, probe->defaults()));
    run.set_grads = [](const std::vector<at::Tensor>& p, int64_t s) { Problem().set_grads(p, s); };
    return run;
  };
  return {short_name(f.name), [run_over] { return run_over(Problem().initial_params()); }};
}

// Muon over the problem's two weight matrices (its biases stay).
CheckpointCase muon_case() {
  auto run_over = [](std::vector<at::Tensor> weights) {
    CheckpointRun run;
    run.params = std::move(weights);
    run.optimizer = std::make_unique<optim::Muon>(run.params, optim::MuonOptions(0.02).momentum(0.9));
    run.set_grads = [](const std::vector<at::Tensor>& w, int64_t s) {
      auto all = Problem().initial_params();
      all[0] = w[0];
      all[2] = w[1];
      Problem().set_grads(all, s);
    };
    return run;
  };
  return {"muon",
          [run_over] {
            auto all = Problem().initial_params();
            return run_over({all[0], all[2]});
          }};
}

// SparseAdam over a table whose rows get sparse gradients: rows s % 6 and
// (2s + 1) % 6 of step s move towards their index.
CheckpointCase sparse_adam_case() {
  auto run_over = [](std::vector<at::Tensor> table) {
    CheckpointRun run;
    run.params = std::move(table);
    run.optimizer = std::make_unique<optim::SparseAdam>(run.params, optim::SparseAdamOptions(0.05));
    run.set_grads = [](const std::vector<at::Tensor>& t, int64_t s) {
      const at::Tensor rows = at::tensor({s % 6, (2 * s + 1) % 6}, at::kLong);
      const at::Tensor values = t[0].detach().index_select(0, rows) - rows.to(at::kDouble).unsqueeze(1);
      t[0].mutable_grad() = at::sparse_coo_tensor(rows.unsqueeze(0), values, t[0].sizes());
    };
    return run;
  };
  return {"sparse_adam",
          [run_over] {
            return run_over({at::linspace(-1, 1, 18, at::kDouble).reshape({6, 3}).set_requires_grad(true)});
          }};
}

}  // namespace

std::vector<CheckpointCase> checkpoint_cases() {
  std::vector<CheckpointCase> cases;
  for (const auto& f : all_optimizers()) {
    if (std::find(kFixtured.begin(), kFixtured.end(), short_name(f.name)) != kFixtured.end()) {
      cases.push_back(zoo_case(f));
    }
  }
  cases.push_back(muon_case());
  cases.push_back(sparse_adam_case());
  return cases;
}

}  // namespace testing
}  // namespace gradus
