// write_plot (run_metrics.h): the runs' curves as an SVG.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <sstream>
#include <utility>

#include "output_files.h"
#include "run_metrics.h"

namespace gradus {
namespace examples {
namespace {

using Series = std::vector<std::pair<double, double>>;

struct Panel {
  double x0, y0, width, height;
  std::string title, x_label;
  bool log_y = false;  // decades: lrs of 0.1 and 0.001 in one panel
};

struct Style {
  std::string colour, dashes;
};

const char* const kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
const char* const kDashes[] = {"", "7,4", "2,3", "9,3,2,3"};

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

// A round tick spacing: 1, 2, 2.5 or 5 times a power of ten, about `span` / 4.
double tick_spacing(double span) {
  const double raw = span / 4, power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0}) {
    if (m * power >= raw) return m * power;
  }
  return 10 * power;
}

std::string number(double v) {
  std::ostringstream out;
  out << std::setprecision(6) << (std::abs(v) < 1e-12 ? 0.0 : v);
  return out.str();
}

// Colour per implementation and optimizer, dashes per schedule.
std::vector<Style> styles_of(const std::vector<RunMetrics>& runs) {
  std::map<std::string, size_t> colours, dashes;
  std::vector<Style> styles;
  for (const auto& r : runs) {
    const size_t c = colours.emplace(r.impl + " " + r.optimizer, colours.size()).first->second;
    const size_t d = dashes.emplace(r.scheduler, dashes.size()).first->second;
    styles.push_back({kColours[c % 10], kDashes[d % 4]});
  }
  return styles;
}

void draw_panel(std::ostream& svg, const Panel& p, std::vector<Series> series, const std::vector<Style>& styles) {
  if (p.log_y) {
    for (auto& s : series) {
      for (auto& point : s) point.second = point.second > 0 ? std::log10(point.second) : NAN;
    }
  }
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
  // Axes from and to round values, with ticks on round values.
  const double dx = tick_spacing(xmax - xmin);
  const double dy = p.log_y ? std::max(1.0, std::ceil((ymax - ymin) / 5)) : tick_spacing(ymax - ymin);
  xmin = dx * std::floor(xmin / dx), xmax = dx * std::ceil(xmax / dx);
  ymin = dy * std::floor(ymin / dy), ymax = dy * std::ceil(ymax / dy);
  auto sx = [&](double x) { return p.x0 + 55 + (x - xmin) / (xmax - xmin) * (p.width - 65); };
  auto sy = [&](double y) { return p.y0 + p.height - 30 - (y - ymin) / (ymax - ymin) * (p.height - 60); };
  svg << "<text x='" << p.x0 + p.width / 2 << "' y='" << p.y0 + 18 << "' text-anchor='middle' font-size='14'>"
      << xml_text(p.title) << "</text>\n";
  svg << "<rect x='" << p.x0 + 55 << "' y='" << p.y0 + 30 << "' width='" << p.width - 65 << "' height='"
      << p.height - 60 << "' fill='none' stroke='#888'/>\n";
  for (double y = ymin; y <= ymax + dy / 2; y += dy) {
    svg << "<text x='" << p.x0 + 51 << "' y='" << sy(y) + 4 << "' text-anchor='end' font-size='10'>"
        << number(p.log_y ? std::pow(10.0, y) : y) << "</text>\n";
  }
  for (double x = xmin; x <= xmax + dx / 2; x += dx) {
    svg << "<text x='" << sx(x) << "' y='" << p.y0 + p.height - 16 << "' text-anchor='middle' font-size='10'>"
        << number(x) << "</text>\n";
  }
  svg << "<text x='" << p.x0 + p.width / 2 << "' y='" << p.y0 + p.height - 2
      << "' text-anchor='middle' font-size='11'>" << xml_text(p.x_label) << "</text>\n";
  for (size_t r = 0; r < series.size(); ++r) {
    svg << "<polyline fill='none' stroke-width='1.5' stroke='" << styles[r].colour << "'";
    if (!styles[r].dashes.empty()) svg << " stroke-dasharray='" << styles[r].dashes << "'";
    svg << " points='";
    for (const auto& [x, y] : series[r]) {
      if (std::isfinite(y)) svg << sx(x) << ',' << sy(y) << ' ';
    }
    svg << "'/>\n";
  }
}

bool same_curves(const RunMetrics& a, const RunMetrics& b) {
  if (a.steps.size() != b.steps.size() || a.evals.size() != b.evals.size() || a.steps.empty()) return false;
  for (size_t i = 0; i < a.steps.size(); ++i) {
    if (a.steps[i].loss != b.steps[i].loss || a.steps[i].lr != b.steps[i].lr) return false;
  }
  for (size_t i = 0; i < a.evals.size(); ++i) {
    if (a.evals[i].test_loss != b.evals[i].test_loss) return false;
  }
  return true;
}

// The legend, one line per run, and a note for each pair of runs whose
// curves are identical (one hides the other).
void draw_legend(std::ostream& svg, double x, double y, const std::vector<RunMetrics>& runs,
                 const std::vector<Style>& styles) {
  for (size_t r = 0; r < runs.size(); ++r, y += 17) {
    svg << "<line x1='" << x << "' y1='" << y - 4 << "' x2='" << x + 28 << "' y2='" << y - 4
        << "' stroke-width='2' stroke='" << styles[r].colour << "'";
    if (!styles[r].dashes.empty()) svg << " stroke-dasharray='" << styles[r].dashes << "'";
    svg << "/>\n<text x='" << x + 34 << "' y='" << y << "' font-size='12'>" << xml_text(runs[r].label) << "</text>\n";
  }
  for (size_t a = 0; a < runs.size(); ++a) {
    for (size_t b = a + 1; b < runs.size(); ++b) {
      if (!same_curves(runs[a], runs[b])) continue;
      svg << "<text x='" << x << "' y='" << y + 6 << "' font-size='11' fill='#a00'>" << xml_text(runs[a].label)
          << " and " << xml_text(runs[b].label) << ":</text>\n";
      svg << "<text x='" << x + 10 << "' y='" << y + 20 << "' font-size='11' fill='#a00'>"
          << "identical curves, one hides the other</text>\n";
      y += 32;
    }
  }
}

}  // namespace

void write_plot(const std::string& path, const std::vector<RunMetrics>& runs, const std::string& title) {
  std::vector<Series> loss, accuracy, lr;
  for (const auto& run : runs) {
    loss.emplace_back(), accuracy.emplace_back(), lr.emplace_back();
    for (const auto& s : run.steps) {
      loss.back().emplace_back(double(s.step), s.loss);
      lr.back().emplace_back(double(s.step), s.lr);
    }
    for (const auto& e : run.evals) accuracy.back().emplace_back(e.epoch, 100 * e.test_accuracy);
  }
  const std::vector<Style> styles = styles_of(runs);
  const double legend_width = 380, w = 1200 + legend_width, h = std::max(420.0, 70 + 17.0 * double(runs.size()) + 40);
  std::ostringstream svg;
  svg << std::setprecision(6);
  svg << "<svg xmlns='http://www.w3.org/2000/svg' width='" << w << "' height='" << h << "' font-family='sans-serif'>\n";
  svg << "<rect width='100%' height='100%' fill='white'/>\n";
  svg << "<text x='" << 600 << "' y='22' text-anchor='middle' font-size='16'>" << xml_text(title) << "</text>\n";
  draw_panel(svg, {0, 30, 400, 380, "training loss (mean over --log-interval)", "step"}, loss, styles);
  draw_panel(svg, {400, 30, 400, 380, "test accuracy (%)", "epoch"}, accuracy, styles);
  draw_panel(svg, {800, 30, 400, 380, "learning rate (log scale)", "step", true}, lr, styles);
  draw_legend(svg, 1215, 70, runs, styles);
  svg << "</svg>\n";
  write_file(path, svg.str());
}

}  // namespace examples
}  // namespace gradus
