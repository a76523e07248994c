#include "run_metrics.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "output_files.h"

namespace gradus {
namespace examples {
namespace {

std::ostringstream text() {
  std::ostringstream out;
  out << std::setprecision(10);
  return out;
}

// A CSV field: quoted when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

double final_accuracy(const RunMetrics& r) { return r.epochs.empty() ? -1 : r.epochs.back().test_accuracy; }

}  // namespace

std::optional<EvalRecord> RunMetrics::first_reaching(double accuracy) const {
  for (const EvalRecord& e : evals) {
    if (e.test_accuracy >= accuracy) return e;
  }
  return std::nullopt;
}

void write_metrics(const std::string& dir, const std::vector<RunMetrics>& runs, const std::string& config_json,
                   double target_accuracy) {
  std::filesystem::create_directories(dir);
  auto steps = text(), evals = text(), epochs = text();
  steps << "run,epoch,step,loss,smoothed_loss,lr,samples_per_second\n";
  evals << "run,epoch,step,test_loss,test_accuracy,train_seconds\n";
  epochs << "run,epoch,train_loss,test_loss,test_accuracy,seconds\n";
  nlohmann::json summary_runs = nlohmann::json::array();
  for (const auto& run : runs) {
    const std::string name = csv_field(run.label);
    for (const auto& s : run.steps) {
      steps << name << ',' << s.epoch << ',' << s.step << ',' << s.loss << ',' << s.smoothed_loss << ',' << s.lr << ','
            << s.samples_per_second << '\n';
    }
    for (const auto& e : run.evals) {
      evals << name << ',' << e.epoch << ',' << e.step << ',' << e.test_loss << ',' << e.test_accuracy << ','
            << e.train_seconds << '\n';
    }
    for (const auto& e : run.epochs) {
      epochs << name << ',' << e.epoch << ',' << e.train_loss << ',' << e.test_loss << ',' << e.test_accuracy << ','
             << e.seconds << '\n';
    }
    // A non-finite number (a diverged run) is written as null: JSON has no NaN.
    nlohmann::json entry = {{"run", run.label},
                            {"impl", run.impl},
                            {"optimizer", run.optimizer},
                            {"precision", run.precision},
                            {"scheduler", run.scheduler},
                            {"epochs", run.epochs.size()},
                            {"steps", run.step_calls},
                            {"wall_seconds", run.wall_seconds},
                            {"mean_step_ms", run.mean_step_ms()},
                            {"diverged", !run.diverged.empty()}};
    if (!run.epochs.empty()) {
      entry["final_test_accuracy"] = run.epochs.back().test_accuracy;
      entry["final_test_loss"] = run.epochs.back().test_loss;
      entry["final_train_loss"] = run.epochs.back().train_loss;
    }
    if (const auto reached = run.first_reaching(target_accuracy)) {
      entry["steps_to_target"] = reached->step;
      entry["seconds_to_target"] = reached->train_seconds;
    }
    summary_runs.push_back(entry);
  }
  const nlohmann::json summary = {{"config", nlohmann::json::parse(config_json)},
                                  {"target_accuracy", target_accuracy},
                                  {"runs", summary_runs}};
  write_file(dir + "/steps.csv", steps.str());
  write_file(dir + "/evals.csv", evals.str());
  write_file(dir + "/epochs.csv", epochs.str());
  write_file(dir + "/summary.json", summary.dump(2) + "\n");
}

std::string ranked_table(const std::vector<RunMetrics>& runs, double target_accuracy) {
  std::vector<const RunMetrics*> order;
  for (const auto& r : runs) order.push_back(&r);
  std::stable_sort(order.begin(), order.end(),
                   [](const RunMetrics* a, const RunMetrics* b) { return final_accuracy(*a) > final_accuracy(*b); });
  size_t width = 4, precision_width = 6;  // the precision: fp32, or e.g. "bf16+kahan int8-state"
  for (const auto* r : order) {
    width = std::max(width, r->label.size());
    precision_width = std::max(precision_width, r->precision.size() + 2);
  }
  std::ostringstream pct;
  pct << std::setprecision(3) << 100 * target_accuracy << "%";
  std::ostringstream out;
  out << std::fixed << std::left << std::setw(4) << "#" << std::setw(int(width) + 2) << "run" << std::right
      << std::setw(int(precision_width)) << "prec" << std::setw(12) << "test acc %" << std::setw(11) << "test loss" << std::setw(14) << ("steps to " + pct.str())
      << std::setw(10) << ("s to " + pct.str()) << std::setw(9) << "wall s" << std::setw(12) << "step() ms" << "\n";
  for (size_t i = 0; i < order.size(); ++i) {
    const RunMetrics& r = *order[i];
    const auto reached = r.first_reaching(target_accuracy);
    out << std::left << std::setw(4) << (i + 1) << std::setw(int(width) + 2) << r.label << std::right
        << std::setw(int(precision_width)) << r.precision;
    if (!r.diverged.empty() || r.epochs.empty()) {
      out << std::setw(23) << "diverged";
    } else {
      out << std::setw(12) << std::setprecision(2) << 100 * r.epochs.back().test_accuracy << std::setw(11)
          << std::setprecision(4) << r.epochs.back().test_loss;
    }
    if (reached) {
      out << std::setw(14) << reached->step << std::setw(10) << std::setprecision(1) << reached->train_seconds;
    } else {
      out << std::setw(14) << "-" << std::setw(10) << "-";
    }
    out << std::setw(9) << std::setprecision(1) << r.wall_seconds << std::setw(12) << std::setprecision(3)
        << r.mean_step_ms() << "\n";
  }
  for (const auto& builtin : runs) {
    if (builtin.impl != "builtin") continue;
    for (const auto& gradus : runs) {
      if (gradus.impl == "gradus" && gradus.optimizer == builtin.optimizer && gradus.scheduler == builtin.scheduler &&
          gradus.mean_step_ms() > 0) {
        out << std::setprecision(2) << "step() of " << builtin.label << " takes "
            << builtin.mean_step_ms() / gradus.mean_step_ms() << "x the time of " << gradus.label << "\n";
      }
    }
  }
  return out.str();
}

}  // namespace examples
}  // namespace gradus
