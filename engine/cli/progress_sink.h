// An EventSink that forwards to another and reports progress every 64 Ki events.
#pragma once

#include <functional>

#include "engine/cli/progress.h"
#include "traces/event_sink.h"

namespace allocsim::cli {

class ProgressSink final : public traces::EventSink {
public:
    // `position` says how far the job is, in the Progress's unit (bytes read, events).
    ProgressSink(traces::EventSink& inner, Progress& progress, std::function<std::uint64_t()> position)
        : inner_(inner), progress_(progress), position_(std::move(position)) {}

    void add(const traces::TraceEvent& e) override {
        inner_.add(e);
        if ((++events_ & 0xFFFF) == 0) progress_.update(position_());
    }

private:
    traces::EventSink& inner_;
    Progress& progress_;
    std::function<std::uint64_t()> position_;
    std::uint64_t events_ = 0;
};

}  // namespace allocsim::cli
