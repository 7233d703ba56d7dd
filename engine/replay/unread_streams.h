// UnreadStreams: in a simulated-time replay, the modeled CPUs whose stream has no
// operation read yet and some left to read, keyed by the CPU's clock (which cannot
// move while the stream has nothing to run). The replay reads ahead until the
// earliest of them could not start before the queue's next operation, so it asks
// for that minimum after every operation: an indexed binary heap gives it in O(1),
// and adds or removes a CPU in O(log CPUs) without allocating (a std::set allocated
// a node each time, a few percent of the replay).
#pragma once

#include <cstdint>
#include <vector>

namespace allocsim::engine {

class UnreadStreams {
public:
    explicit UnreadStreams(std::uint32_t cpus) : where_(cpus, kAbsent) { heap_.reserve(cpus); }

    bool empty() const { return heap_.empty(); }
    // The earliest clock among them. REQUIRES: !empty().
    std::int64_t earliest() const { return heap_.front().clock; }
    bool contains(std::uint16_t cpu) const { return where_[cpu] != kAbsent; }

    // REQUIRES: !contains(cpu).
    void add(std::uint16_t cpu, std::int64_t clock) {
        heap_.push_back(Entry{clock, cpu});
        where_[cpu] = static_cast<std::uint32_t>(heap_.size() - 1);
        up(heap_.size() - 1);
    }
    // Does nothing if the CPU is not there.
    void remove(std::uint16_t cpu) {
        const std::uint32_t i = where_[cpu];
        if (i == kAbsent) return;
        where_[cpu] = kAbsent;
        const Entry last = heap_.back();
        heap_.pop_back();
        if (i == heap_.size()) return;
        heap_[i] = last;
        where_[last.cpu] = i;
        up(i);
        down(where_[last.cpu]);
    }

private:
    static constexpr std::uint32_t kAbsent = UINT32_MAX;
    struct Entry {
        std::int64_t clock;
        std::uint16_t cpu;
    };
    void place(std::size_t i, const Entry& e) {
        heap_[i] = e;
        where_[e.cpu] = static_cast<std::uint32_t>(i);
    }
    void up(std::size_t i) {
        const Entry e = heap_[i];
        while (i > 0) {
            const std::size_t parent = (i - 1) / 2;
            if (heap_[parent].clock <= e.clock) break;
            place(i, heap_[parent]);
            i = parent;
        }
        place(i, e);
    }
    void down(std::size_t i) {
        const Entry e = heap_[i];
        const std::size_t n = heap_.size();
        for (;;) {
            const std::size_t l = 2 * i + 1;
            if (l >= n) break;
            const std::size_t c = l + 1 < n && heap_[l + 1].clock < heap_[l].clock ? l + 1 : l;
            if (heap_[c].clock >= e.clock) break;
            place(i, heap_[c]);
            i = c;
        }
        place(i, e);
    }

    std::vector<Entry> heap_;
    std::vector<std::uint32_t> where_;  // per CPU: its index in heap_, or kAbsent
};

}  // namespace allocsim::engine
