#include "run_metrics.h"

#include "output_files.h"

#include <c10/util/Exception.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <sstream>

namespace gradus {
namespace examples {
namespace {

std::ostringstream text() {
  std::ostringstream out;
  out << std::setprecision(10);
  return out;
}

// Text for an SVG element: & < > ' and " as entities.
std::string xml_text(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\'': out += "&apos;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

void write_metrics(const std::string& dir, const std::vector<RunMetrics>& runs, const std::string& config_json) {
  std::filesystem::create_directories(dir);
  auto steps = text(), epochs = text();
  steps << "run,epoch,step,loss,lr,samples_per_second\n";
  epochs << "run,epoch,train_loss,test_loss,test_accuracy,seconds\n";
  nlohmann::json summary_runs = nlohmann::json::array();
  for (const auto& run : runs) {
    for (const auto& s : run.steps) {
      steps << run.label << ',' << s.epoch << ',' << s.step << ',' << s.loss << ',' << s.lr << ',' << s.samples_per_second << '\n';
    }
    for (const auto& e : run.epochs) {
      epochs << run.label << ',' << e.epoch << ',' << e.train_loss << ',' << e.test_loss << ',' << e.test_accuracy << ','
             << e.seconds << '\n';
    }
    // A non-finite number (a diverged run) is written as null, as JSON has no NaN.
    nlohmann::json entry = {{"run", run.label},
                            {"epochs", run.epochs.size()},
                            {"wall_seconds", run.wall_seconds},
                            {"mean_step_ms", run.mean_step_ms()},
                            {"diverged", !run.diverged.empty()}};
    if (!run.epochs.empty()) {
      entry["final_test_accuracy"] = run.epochs.back().test_accuracy;
      entry["final_test_loss"] = run.epochs.back().test_loss;
      entry["final_train_loss"] = run.epochs.back().train_loss;
    }
    summary_runs.push_back(entry);
  }
  const nlohmann::json summary = {{"config", nlohmann::json::parse(config_json)}, {"runs", summary_runs}};
  write_file(dir + "/steps.csv", steps.str());
  write_file(dir + "/epochs.csv", epochs.str());
  write_file(dir + "/summary.json", summary.dump(2) + "\n");
}

std::string comparison_table(const std::vector<RunMetrics>& runs) {
  std::ostringstream out;
  out << std::fixed;
  auto row = [&](const std::string& name, const std::function<void(const RunMetrics&)>& cell) {
    out << std::left << std::setw(22) << name;
    for (const auto& run : runs) {
      out << std::right << std::setw(18);
      cell(run);
    }
    out << '\n';
  };
  row("", [&](const RunMetrics& r) { out << r.label; });
  auto last = [](const RunMetrics& r) { return r.epochs.empty() ? EpochRecord{0, NAN, NAN, NAN, 0} : r.epochs.back(); };
  row("test accuracy (%)", [&](const RunMetrics& r) { out << std::setprecision(2) << 100 * last(r).test_accuracy; });
  row("final test loss", [&](const RunMetrics& r) { out << std::setprecision(4) << last(r).test_loss; });
  row("final train loss", [&](const RunMetrics& r) { out << std::setprecision(4) << last(r).train_loss; });
  row("wall time (s)", [&](const RunMetrics& r) { out << std::setprecision(1) << r.wall_seconds; });
  row("mean step() (ms)", [&](const RunMetrics& r) { out << std::setprecision(3) << r.mean_step_ms(); });
  if (runs.size() == 2 && runs[0].mean_step_ms() > 0) {
    out << std::setprecision(2) << "step() of " << runs[1].label << " takes " << runs[1].mean_step_ms() / runs[0].mean_step_ms()
        << "x the time of " << runs[0].label << "\n";
  }
  return out.str();
}

namespace {

// One chart panel of the SVG: x and y scaled to the data, one polyline per run.
struct Panel {
  double x0, y0, width, height;
  std::string title;
};

const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd"};

void draw_panel(std::ostream& svg, const Panel& p, const std::vector<std::vector<std::pair<double, double>>>& series,
                const std::string& x_label) {
  double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
  for (const auto& s : series) {
    for (const auto& [x, y] : s) {
      if (!std::isfinite(y)) continue;
      xmin = std::min(xmin, x), xmax = std::max(xmax, x), ymin = std::min(ymin, y), ymax = std::max(ymax, y);
    }
  }
  if (!std::isfinite(xmin)) xmin = 0, xmax = 1, ymin = 0, ymax = 1;
  if (xmax == xmin) xmin -= 0.5, xmax += 0.5;
  if (ymax == ymin) ymin -= 0.5 * std::abs(ymin) + 1e-3, ymax += 0.5 * std::abs(ymax) + 1e-3;
  const double pad_y = 0.05 * (ymax - ymin);
  ymin -= pad_y, ymax += pad_y;
  auto sx = [&](double x) { return p.x0 + 50 + (x - xmin) / (xmax - xmin) * (p.width - 60); };
  auto sy = [&](double y) { return p.y0 + p.height - 30 - (y - ymin) / (ymax - ymin) * (p.height - 60); };
  svg << "<text x='" << p.x0 + p.width / 2 << "' y='" << p.y0 + 18 << "' text-anchor='middle' font-size='14'>" << xml_text(p.title) << "</text>\n";
  svg << "<rect x='" << p.x0 + 50 << "' y='" << p.y0 + 30 << "' width='" << p.width - 60 << "' height='" << p.height - 60
      << "' fill='none' stroke='#888'/>\n";
  for (int k = 0; k <= 4; ++k) {
    const double y = ymin + (ymax - ymin) * k / 4, x = xmin + (xmax - xmin) * k / 4;
    svg << "<text x='" << p.x0 + 46 << "' y='" << sy(y) + 4 << "' text-anchor='end' font-size='10'>" << std::setprecision(3) << y << "</text>\n";
    svg << "<text x='" << sx(x) << "' y='" << p.y0 + p.height - 16 << "' text-anchor='middle' font-size='10'>" << std::setprecision(4) << x << "</text>\n";
  }
  svg << "<text x='" << p.x0 + p.width / 2 << "' y='" << p.y0 + p.height - 2 << "' text-anchor='middle' font-size='11'>" << x_label << "</text>\n";
  for (size_t r = 0; r < series.size(); ++r) {
    svg << "<polyline fill='none' stroke-width='1.5' stroke='" << kColors[r % 4] << "' points='";
    for (const auto& [x, y] : series[r]) {
      if (std::isfinite(y)) svg << sx(x) << ',' << sy(y) << ' ';
    }
    svg << "'/>\n";
    for (const auto& [x, y] : series[r]) {
      if (std::isfinite(y) && series[r].size() < 60) {
        svg << "<circle cx='" << sx(x) << "' cy='" << sy(y) << "' r='3' fill='" << kColors[r % 4] << "'/>\n";
      }
    }
  }
}

}  // namespace

void write_plot(const std::string& path, const std::vector<RunMetrics>& runs, const std::string& title) {
  std::vector<std::vector<std::pair<double, double>>> train_loss, test_loss, accuracy;
  for (const auto& run : runs) {
    train_loss.emplace_back();
    for (const auto& s : run.steps) train_loss.back().emplace_back(double(s.step), s.loss);
    test_loss.emplace_back();
    accuracy.emplace_back();
    for (const auto& e : run.epochs) {
      test_loss.back().emplace_back(double(e.epoch), e.test_loss);
      accuracy.back().emplace_back(double(e.epoch), 100 * e.test_accuracy);
    }
  }
  auto svg = text();
  const double w = 1200, h = 420;
  svg << "<svg xmlns='http://www.w3.org/2000/svg' width='" << w << "' height='" << h << "' font-family='sans-serif'>\n";
  svg << "<rect width='100%' height='100%' fill='white'/>\n";
  svg << "<text x='" << w / 2 << "' y='22' text-anchor='middle' font-size='16'>" << title << "</text>\n";
  draw_panel(svg, {0, 30, 400, 340, "training loss"}, train_loss, "step");
  draw_panel(svg, {400, 30, 400, 340, "test loss"}, test_loss, "epoch");
  draw_panel(svg, {800, 30, 400, 340, "test accuracy (%)"}, accuracy, "epoch");
  for (size_t r = 0; r < runs.size(); ++r) {
    svg << "<rect x='" << 60 + 220 * r << "' y='" << h - 28 << "' width='14' height='14' fill='" << kColors[r % 4] << "'/>\n";
    svg << "<text x='" << 80 + 220 * r << "' y='" << h - 16 << "' font-size='13'>" << xml_text(runs[r].label) << "</text>\n";
  }
  svg << "</svg>\n";
  write_file(path, svg.str());
}

}  // namespace examples
}  // namespace gradus
