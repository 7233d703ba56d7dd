// Modeled against measured, per operation class: for a measured run of the trace
// (allocsim capture or measure), a histogram of each class's cycles on both sides,
// in powers-of-two bins: the model's as an outline, the measurement's filled, with
// both medians marked. Built on the session's thread (a replay with the run's
// settings, engine/measure/modeled_ops.h), shown in the "Measured" dock.
#pragma once

#include <QWidget>

#include <memory>
#include <string>
#include <vector>

namespace allocsim::gui {

struct ClassHistogram {
    std::string name;                    // "alloc hit", "split depth 2", ...
    std::vector<std::uint64_t> modeled;  // bin b: cycles in [2^b, 2^(b+1))
    std::vector<std::uint64_t> measured;
    std::uint64_t modeled_p50 = 0, measured_p50 = 0;
};

struct MeasuredHistograms {
    std::int64_t run = 0;
    std::string clock;                   // what the measured cycles are (tcg, kvm, host-tsc...)
    bool cycle_accurate = true;          // whether its ticks are cycles (engine/measure/clock_check.h)
    std::vector<ClassHistogram> classes; // most frequent first
    // Its cycles per operation, all CPUs, in the timeline's buckets of `bucket_events`
    // events (-1: no operation there): overlaid on the timeline's modeled cycles.
    std::uint64_t bucket_events = 1;
    std::vector<double> measured_cycles_per_op;
};
using MeasuredPtr = std::shared_ptr<const MeasuredHistograms>;

class MeasuredView : public QWidget {
    Q_OBJECT

public:
    explicit MeasuredView(QWidget* parent = nullptr);
    void setHistograms(const MeasuredPtr& h);
    const MeasuredPtr& histograms() const { return histograms_; }
    QSize sizeHint() const override { return {800, 360}; }

protected:
    void paintEvent(QPaintEvent*) override;

private:
    MeasuredPtr histograms_;
};

}  // namespace allocsim::gui

Q_DECLARE_METATYPE(allocsim::gui::MeasuredPtr)
