#include "engine/measure/comparison.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "alloc/measure/op_profile.h"

namespace allocsim::engine {

namespace {

using measure::OpClass;

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
    const double n = static_cast<double>(x.size());
    if (x.size() < 2) return 0;
    double mx = 0, my = 0;
    for (std::size_t i = 0; i < x.size(); ++i) mx += x[i], my += y[i];
    mx /= n;
    my /= n;
    double sxy = 0, sxx = 0, syy = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxx == 0 || syy == 0 ? 0 : sxy / std::sqrt(sxx * syy);
}

double percent_error(double modeled, double measured) {
    return measured == 0 ? 0 : 100.0 * (modeled - measured) / measured;
}

ClassComparison summarize(std::string name, std::vector<std::uint64_t>& modeled, std::vector<std::uint64_t>& measured,
                          double timer_bias, std::uint64_t resolution) {
    ClassComparison c;
    std::vector<double> mod(modeled.begin(), modeled.end()), mea(measured.begin(), measured.end());
    c.modeled_mean = trimmed_mean(mod);
    c.measured_mean = std::max(0.0, trimmed_mean(mea) - (mea.empty() ? 0 : timer_bias));
    c.below_resolution = !mea.empty() && c.measured_mean < static_cast<double>(resolution);
    c.mean_error_percent = percent_error(c.modeled_mean, c.measured_mean);
    c.name = std::move(name);
    c.events = std::max(modeled.size(), measured.size());
    c.modeled_events = modeled.size();
    c.measured_events = measured.size();
    c.modeled_p50 = percentile(modeled, 50);
    c.modeled_p90 = percentile(modeled, 90);
    c.measured_p50 = percentile(measured, 50);
    c.measured_p90 = percentile(measured, 90);
    c.error_percent = percent_error(static_cast<double>(c.modeled_p50), static_cast<double>(c.measured_p50));
    return c;
}

}  // namespace

std::uint64_t percentile(std::vector<std::uint64_t>& v, int p) {
    if (v.empty()) return 0;
    const std::size_t rank = std::min(v.size() - 1, (v.size() * static_cast<std::size_t>(p) + 99) / 100 - (p > 0 ? 1 : 0));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(rank), v.end());
    return v[rank];
}

std::string op_class_label(std::uint32_t kinds, std::uint32_t splits) {
    const OpClass c = measure::classify(kinds);
    if (c == OpClass::Split) return fmt::format("split depth {}", splits);
    return measure::op_class_name(c);
}

double trimmed_mean(std::vector<double>& v) {
    if (v.empty()) return 0;
    const std::size_t keep = std::max<std::size_t>(1, (v.size() * 98 + 99) / 100);
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(keep - 1), v.end());
    double sum = 0;
    for (std::size_t i = 0; i < keep; ++i) sum += v[i];
    return sum / static_cast<double>(keep);
}

Comparison compare_runs(const ModeledOps& modeled, const MeasuredRun& measured, bool (*keep)(std::uint64_t)) {
    Comparison out;
    // Records have the least overhead taken off; their mean needs the mean taken off.
    const double timer_bias = std::max(0.0, measured.timer_overhead_mean - static_cast<double>(measured.timer_overhead));
    std::map<std::string, std::pair<std::vector<std::uint64_t>, std::vector<std::uint64_t>>> by_class;
    std::vector<std::uint64_t> contended_modeled, contended_measured;
    std::vector<double> xs, ys;
    ContentionComparison& k = out.contention;
    // Measured: the operations that found a lock held (class, cycles), and each class's
    // uncontended cycles, the base a contended operation's wait is measured from.
    std::vector<std::pair<std::string, std::uint64_t>> contended_events;
    std::map<std::string, std::vector<double>> uncontended;
    const std::size_t n = std::min(modeled.ops.size(), measured.ops.size());
    for (std::size_t i = 0; i < n; ++i) {
        if (keep != nullptr && !keep(i)) continue;
        const ModeledOp& m = modeled.ops[i];
        const measure::MeasuredOp& r = measured.ops[i];
        ++out.events;
        xs.push_back(static_cast<double>(m.cycles));
        ys.push_back(static_cast<double>(r.cycles));
        if (m.waited) contended_modeled.push_back(m.cycles);
        if ((r.flags & measure::kFlagContended) != 0) {
            contended_measured.push_back(r.cycles);
            contended_events.emplace_back(op_class_label(r.kinds, r.splits), r.cycles);
        } else {
            uncontended[op_class_label(r.kinds, r.splits)].push_back(static_cast<double>(r.cycles));
        }
        k.contended_modeled += m.lock_wait > 0;
        k.lock_wait_modeled += static_cast<double>(m.lock_wait);
        k.line_transfers_modeled += m.transfers;
        if (m.kinds != r.kinds || std::min<std::uint32_t>(m.splits, 255) != r.splits) continue;
        ++out.same_path;
        auto& [mod, mea] = by_class[op_class_label(m.kinds, m.splits)];
        mod.push_back(m.cycles);
        mea.push_back(r.cycles);
    }
    std::map<std::string, double> uncontended_mean;
    for (auto& [name, v] : uncontended) uncontended_mean[name] = trimmed_mean(v);
    for (const auto& [name, cycles] : contended_events) {
        const auto base = uncontended_mean.find(name);
        const double expected = base == uncontended_mean.end() ? 0 : base->second;
        k.lock_wait_measured += std::max(0.0, static_cast<double>(cycles) - expected);
    }
    k.ops = out.events;
    k.contended_measured = static_cast<double>(contended_events.size());
    {
        const auto lock = static_cast<std::size_t>(ActionKind::LockAcquire);
        const auto remote = static_cast<std::size_t>(ActionKind::RemoteFree);
        // Action totals are the whole run's: scaled to the events compared.
        const double share = n == 0 ? 0 : static_cast<double>(out.events) / static_cast<double>(n);
        k.lock_acquires_modeled = static_cast<double>(modeled.actions[lock]) * share;
        k.lock_acquires_measured = static_cast<double>(measured.actions[lock]) * share;
        k.remote_frees_modeled = static_cast<double>(modeled.actions[remote]) * share;
        k.remote_frees_measured = static_cast<double>(measured.actions[remote]) * share;
    }
    if (k.ops != 0) {
        const double per = 1000.0 / static_cast<double>(k.ops);
        for (double* x : {&k.lock_acquires_modeled, &k.lock_acquires_measured, &k.contended_modeled, &k.contended_measured,
                          &k.lock_wait_modeled, &k.lock_wait_measured, &k.remote_frees_modeled, &k.remote_frees_measured,
                          &k.line_transfers_modeled})
            *x *= per;
    }
    out.resolution = measured.timer_overhead;
    // The most frequent class (the first, by name, at equal counts), before
    // summarize() reorders its values.
    const std::vector<std::uint64_t>* reference = nullptr;
    for (const auto& [name, sides] : by_class)
        if (!sides.second.empty() && (reference == nullptr || sides.second.size() > reference->size())) {
            reference = &sides.second;
            out.reference_class = name;
        }
    if (reference != nullptr) {
        std::vector<double> raw(reference->begin(), reference->end());
        out.reference_raw_mean = trimmed_mean(raw);
    }
    for (auto& [name, sides] : by_class)
        out.classes.push_back(summarize(name, sides.first, sides.second, timer_bias, measured.timer_overhead));
    std::sort(out.classes.begin(), out.classes.end(),
              [](const ClassComparison& a, const ClassComparison& b) { return a.events != b.events ? a.events > b.events : a.name < b.name; });
    std::vector<double> class_x, class_y;
    double error_sum = 0, mean_error_sum = 0;
    for (const ClassComparison& c : out.classes) {
        class_x.push_back(static_cast<double>(c.modeled_p50));
        class_y.push_back(static_cast<double>(c.measured_p50));
        error_sum += std::fabs(c.error_percent);
        mean_error_sum += std::fabs(c.mean_error_percent);
    }
    out.mean_abs_error_percent = out.classes.empty() ? 0 : error_sum / static_cast<double>(out.classes.size());
    out.mean_abs_mean_error_percent = out.classes.empty() ? 0 : mean_error_sum / static_cast<double>(out.classes.size());
    out.correlation = pearson(xs, ys);
    out.class_correlation = pearson(class_x, class_y);
    if (!contended_modeled.empty() || !contended_measured.empty())
        out.classes.push_back(summarize("lock contended", contended_modeled, contended_measured, timer_bias, measured.timer_overhead));
    for (int kind = 0; kind < kActionKindCount; ++kind) {
        const auto i = static_cast<std::size_t>(kind);
        out.actions.push_back(ActionComparison{static_cast<ActionKind>(kind), modeled.actions[i], measured.actions[i]});
        if (modeled.actions[i] != measured.actions[i]) out.actions_agree = false;
    }
    return out;
}

std::string comparison_json(const Comparison& c) {
    std::string classes, actions;
    for (const ClassComparison& k : c.classes)
        classes += fmt::format("{}{{\"class\":\"{}\",\"events\":{},\"modeled_p50\":{},\"modeled_p90\":{},\"measured_p50\":{},"
                               "\"measured_p90\":{},\"error_percent\":{:.2f},\"modeled_mean\":{:.2f},\"measured_mean\":{:.2f},"
                               "\"mean_error_percent\":{:.2f},\"below_resolution\":{}}}",
                               classes.empty() ? "" : ",", k.name, k.events, k.modeled_p50, k.modeled_p90, k.measured_p50,
                               k.measured_p90, k.error_percent, k.modeled_mean, k.measured_mean, k.mean_error_percent,
                               k.below_resolution ? "true" : "false");
    for (const ActionComparison& a : c.actions)
        actions += fmt::format("{}\"{}\":{{\"modeled\":{},\"measured\":{}}}", actions.empty() ? "" : ",", action_name(a.kind),
                               a.modeled, a.measured);
    const ContentionComparison& w = c.contention;
    const std::string contention = fmt::format(
        "{{\"ops\":{},\"lock_acquires\":{{\"modeled\":{:.3f},\"measured\":{:.3f}}},\"contended\":{{\"modeled\":{:.3f},"
        "\"measured\":{:.3f}}},\"lock_wait_cycles\":{{\"modeled\":{:.3f},\"measured\":{:.3f}}},\"remote_frees\":{{\"modeled\":{:.3f},"
        "\"measured\":{:.3f}}},\"line_transfers\":{{\"modeled\":{:.3f},\"measured\":null}}}}",
        w.ops, w.lock_acquires_modeled, w.lock_acquires_measured, w.contended_modeled, w.contended_measured,
        w.lock_wait_modeled, w.lock_wait_measured, w.remote_frees_modeled, w.remote_frees_measured, w.line_transfers_modeled);
    return fmt::format("{{\"events\":{},\"same_path\":{},\"correlation\":{:.4f},\"class_correlation\":{:.4f},"
                       "\"mean_abs_error_percent\":{:.2f},\"mean_abs_mean_error_percent\":{:.2f},\"actions_agree\":{},\"classes\":[{}],\"actions\":{{{}}},"
                       "\"contention_per_1000_ops\":{},\"reference_class\":\"{}\",\"reference_raw_mean\":{:.3f},\"timer_resolution\":{}}}",
                       c.events, c.same_path, c.correlation, c.class_correlation, c.mean_abs_error_percent, c.mean_abs_mean_error_percent,
                       c.actions_agree ? "true" : "false", classes, actions, contention, c.reference_class, c.reference_raw_mean,
                       c.resolution);
}

}  // namespace allocsim::engine
