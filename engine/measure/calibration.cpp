#include "engine/measure/calibration.h"

#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <cmath>
#include <vector>

namespace allocsim::engine {

namespace {

constexpr int P = kCostParameterCount;
using Row = std::array<double, P>;

// The events of one operation class (comparison.h's rows): their summed features
// and their targets.
struct ClassRows {
    Row features_sum{};
    std::vector<double> targets;
};

// Solves A x = b (A symmetric positive definite, n x n, row-major) by Gaussian
// elimination with partial pivoting. A and b are overwritten.
std::vector<double> solve(std::vector<double> a, std::vector<double> b, int n) {
    for (int col = 0; col < n; ++col) {
        int pivot = col;
        for (int r = col + 1; r < n; ++r)
            if (std::fabs(a[static_cast<std::size_t>(r * n + col)]) > std::fabs(a[static_cast<std::size_t>(pivot * n + col)])) pivot = r;
        if (pivot != col) {
            for (int c = 0; c < n; ++c) std::swap(a[static_cast<std::size_t>(col * n + c)], a[static_cast<std::size_t>(pivot * n + c)]);
            std::swap(b[static_cast<std::size_t>(col)], b[static_cast<std::size_t>(pivot)]);
        }
        const double d = a[static_cast<std::size_t>(col * n + col)];
        if (d == 0) continue;
        for (int r = col + 1; r < n; ++r) {
            const double f = a[static_cast<std::size_t>(r * n + col)] / d;
            if (f == 0) continue;
            for (int c = col; c < n; ++c) a[static_cast<std::size_t>(r * n + c)] -= f * a[static_cast<std::size_t>(col * n + c)];
            b[static_cast<std::size_t>(r)] -= f * b[static_cast<std::size_t>(col)];
        }
    }
    std::vector<double> x(static_cast<std::size_t>(n), 0);
    for (int r = n - 1; r >= 0; --r) {
        double s = b[static_cast<std::size_t>(r)];
        for (int c = r + 1; c < n; ++c) s -= a[static_cast<std::size_t>(r * n + c)] * x[static_cast<std::size_t>(c)];
        const double d = a[static_cast<std::size_t>(r * n + r)];
        x[static_cast<std::size_t>(r)] = d == 0 ? 0 : s / d;
    }
    return x;
}

double predict(const std::vector<double>& prices, const Row& f) {
    double s = 0;
    for (int i = 0; i < P; ++i) s += prices[static_cast<std::size_t>(i)] * f[static_cast<std::size_t>(i)];
    return s;
}

double r_squared(const std::vector<Row>& x, const std::vector<double>& y, const std::vector<double>& w,
                 const std::vector<double>& prices) {
    double wsum = 0, mean = 0;
    for (std::size_t g = 0; g < y.size(); ++g) wsum += w[g], mean += w[g] * y[g];
    if (wsum == 0) return 0;
    mean /= wsum;
    double ss_res = 0, ss_tot = 0;
    for (std::size_t g = 0; g < y.size(); ++g) {
        const double e = y[g] - predict(prices, x[g]);
        ss_res += w[g] * e * e;
        ss_tot += w[g] * (y[g] - mean) * (y[g] - mean);
    }
    return ss_tot == 0 ? 0 : 1 - ss_res / ss_tot;
}

}  // namespace

CalibrationFit fit_cost_model(const ModeledOps& modeled, const MeasuredRun& measured, const CostModel& prior,
                              bool (*keep)(std::uint64_t)) {
    CalibrationFit fit;
    fit.model = prior;
    // Group the agreeing events by feature vector.
    const double timer_bias = std::max(0.0, measured.timer_overhead_mean - static_cast<double>(measured.timer_overhead));
    std::vector<std::vector<double>> groups(modeled.signatures.size());  // targets, by signature
    std::map<std::string, ClassRows> classes;
    const std::size_t n = std::min(modeled.ops.size(), measured.ops.size());
    for (std::size_t i = 0; i < n; ++i) {
        if (keep != nullptr && !keep(i)) continue;
        const ModeledOp& m = modeled.ops[i];
        const measure::MeasuredOp& r = measured.ops[i];
        if (m.kinds != r.kinds) continue;
        const double target = static_cast<double>(r.cycles) - static_cast<double>(m.unpriced);
        groups[m.signature].push_back(target);
        ClassRows& c = classes[op_class_label(m.kinds, m.splits)];
        c.targets.push_back(target);
        const CostFeatures& f = modeled.signatures[m.signature];
        for (int k = 0; k < P; ++k) c.features_sum[static_cast<std::size_t>(k)] += f[static_cast<std::size_t>(k)];
    }
    std::vector<Row> x;
    std::vector<double> y, w;
    for (std::size_t g = 0; g < groups.size(); ++g) {
        std::vector<double>& t = groups[g];
        if (t.empty()) continue;
        Row row{};
        for (int k = 0; k < P; ++k) row[static_cast<std::size_t>(k)] = modeled.signatures[g][static_cast<std::size_t>(k)];
        x.push_back(row);
        y.push_back(std::max(0.0, trimmed_mean(t) - timer_bias));
        const double scale = std::max(y.back(), 1.0);
        w.push_back(std::sqrt(static_cast<double>(t.size())) / (scale * scale));
        fit.events += t.size();
    }
    fit.groups = x.size();
    // One row per class too, its mean features against its mean target, weighted a
    // hundred times a group: a class's modeled mean is linear in the prices, so these
    // rows aim the fit at what compare reports, and the groups settle the rest.
    for (auto& [name, c] : classes) {
        const double count = static_cast<double>(c.targets.size());
        Row row{};
        for (int k = 0; k < P; ++k) row[static_cast<std::size_t>(k)] = c.features_sum[static_cast<std::size_t>(k)] / count;
        x.push_back(row);
        y.push_back(std::max(0.0, trimmed_mean(c.targets) - timer_bias));
        const double scale = std::max(y.back(), 1.0);
        w.push_back(100 * std::sqrt(count) / (scale * scale));
    }
    std::vector<double> p0(P);
    for (int i = 0; i < P; ++i) p0[static_cast<std::size_t>(i)] = prior.*kCostParameters[i].price;
    fit.r_squared_before = r_squared(x, y, w, p0);
    if (x.empty()) {
        fit.r_squared_after = fit.r_squared_before;
        return fit;
    }

    // Normal equations with a ridge towards the prior: (XᵀWX + λI) p = XᵀWy + λ p0.
    std::vector<double> xtx(static_cast<std::size_t>(P * P), 0), xty(P, 0);
    for (std::size_t g = 0; g < x.size(); ++g) {
        for (int i = 0; i < P; ++i) {
            const double fi = x[g][static_cast<std::size_t>(i)];
            if (fi == 0) continue;
            xty[static_cast<std::size_t>(i)] += w[g] * fi * y[g];
            for (int j = 0; j < P; ++j) xtx[static_cast<std::size_t>(i * P + j)] += w[g] * fi * x[g][static_cast<std::size_t>(j)];
        }
    }
    // The ridge is scaled by each price's own weight in the data (its diagonal), so
    // that it only settles what the data leave open (two prices that always come
    // together) and pulls no price away from what the data say; a price the run never
    // exercises (a zero diagonal) stays at its prior.
    std::vector<double> lambda(P);
    for (int i = 0; i < P; ++i) {
        const double d = xtx[static_cast<std::size_t>(i * P + i)];
        lambda[static_cast<std::size_t>(i)] = d > 0 ? 1e-3 * d : 1.0;
    }
    // Active set: a price that comes out negative is pinned at 0 and the rest refit.
    std::vector<bool> pinned(P, false);
    std::vector<double> prices(p0);
    for (int round = 0; round <= P; ++round) {
        std::vector<double> a(xtx), b(xty);
        for (int i = 0; i < P; ++i) {
            const auto ii = static_cast<std::size_t>(i * P + i);
            if (pinned[static_cast<std::size_t>(i)]) {
                for (int j = 0; j < P; ++j) a[static_cast<std::size_t>(i * P + j)] = a[static_cast<std::size_t>(j * P + i)] = 0;
                a[ii] = 1;
                b[static_cast<std::size_t>(i)] = 0;
            } else {
                a[ii] += lambda[static_cast<std::size_t>(i)];
                b[static_cast<std::size_t>(i)] += lambda[static_cast<std::size_t>(i)] * p0[static_cast<std::size_t>(i)];
            }
        }
        prices = solve(a, b, P);
        bool changed = false;
        for (int i = 0; i < P; ++i)
            if (!pinned[static_cast<std::size_t>(i)] && prices[static_cast<std::size_t>(i)] < 0) pinned[static_cast<std::size_t>(i)] = changed = true;
        if (!changed) break;
    }
    for (int i = 0; i < P; ++i) {
        const double v = std::max(0.0, std::round(prices[static_cast<std::size_t>(i)]));
        fit.model.*kCostParameters[i].price = static_cast<std::uint32_t>(std::min(v, 1e9));
        prices[static_cast<std::size_t>(i)] = fit.model.*kCostParameters[i].price;
    }
    fit.r_squared_after = r_squared(x, y, w, prices);
    return fit;
}

}  // namespace allocsim::engine
