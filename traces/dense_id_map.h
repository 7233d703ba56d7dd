// DenseIdMap: a map from object ids to small values, for ids handed out densely in
// order of allocation, as every stored trace numbers its objects. It is the replay's
// table of live objects, looked up on every event.
//
// An id has one slot, id mod capacity, and no probing: a lookup is one load and a
// compare, an erase clears the slot, and new objects (the highest ids) fill
// consecutive slots. When a new id's slot still holds an older live id, the older one
// moves to an overflow U64Map (the long-lived objects end up there); when the
// overflow passes 1/16 of the capacity, the capacity doubles and every entry is
// placed again. Sparse or adversarial ids degrade to the overflow map, never to long
// probe runs.
//
// A slot is an id and a value, nothing else: a slot at index i is empty when its id
// is i ^ 1, which no id whose slot is i can equal.
//
// Invariants: the capacity is a power of two, at least 64; an id is in its slot or
// in the overflow, never both; overflow_max_ >= every id in the overflow. The capacity only doubles when more than 1/16 of it
// is in the overflow, so it stays below 32 * max(64, peak entries): memory follows
// the live objects, not the number of ids handed out.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "traces/u64_map.h"

namespace allocsim {

template <class V>
class DenseIdMap {
public:
    DenseIdMap() { reset_slots(kMinCapacity); }

    std::size_t size() const { return in_slots_ + overflow_.size(); }
    bool empty() const { return size() == 0; }
    std::size_t capacity() const { return slots_.size(); }

    V* find(std::uint64_t id) {
        Slot& s = slots_[slot_of(id)];
        if (s.id == id) return &s.value;
        return overflow_.empty() ? nullptr : overflow_.find(id);
    }
    const V* find(std::uint64_t id) const { return const_cast<DenseIdMap*>(this)->find(id); }
    bool contains(std::uint64_t id) const { return find(id) != nullptr; }

    // The value for `id`, inserted as `value` if absent; the bool says whether it was.
    std::pair<V*, bool> try_emplace(std::uint64_t id, const V& value) {
        // The common case, inlined: a trace's new id, above every evicted one, and its
        // slot free.
        const std::size_t i = slot_of(id);
        Slot& s = slots_[i];
        if (s.id == empty_id(i) && (overflow_.empty() || id > overflow_max_)) {
            s.id = id;
            s.value = value;
            ++in_slots_;
            return {&s.value, true};
        }
        return try_emplace_slow(id, value);
    }

    // Removes `id`, moving its value to *taken if given; false if it was not there.
    bool erase(std::uint64_t id, V* taken = nullptr) {
        const std::size_t i = slot_of(id);
        Slot& s = slots_[i];
        if (s.id == id) {
            if (taken != nullptr) *taken = std::move(s.value);
            s.id = empty_id(i);
            --in_slots_;
            return true;
        }
        return !overflow_.empty() && overflow_.erase(id, taken);
    }

    // Starts loading the slot of `id`, for a caller that knows its next ids.
    void prefetch(std::uint64_t id) const { __builtin_prefetch(&slots_[slot_of(id)]); }

    // Calls f(id, value) for every entry, in no particular order.
    template <class F>
    void for_each(F&& f) const {
        for (std::size_t i = 0; i < slots_.size(); ++i)
            if (slots_[i].id != empty_id(i)) f(slots_[i].id, slots_[i].value);
        overflow_.for_each(f);
    }

private:
    static constexpr std::size_t kMinCapacity = 64;

    struct Slot {
        std::uint64_t id = 0;
        V value{};
    };

    std::size_t slot_of(std::uint64_t id) const { return static_cast<std::size_t>(id & (slots_.size() - 1)); }
    static std::uint64_t empty_id(std::size_t i) { return i ^ 1; }

    [[gnu::noinline]] std::pair<V*, bool> try_emplace_slow(std::uint64_t id, const V& value) {
        const std::size_t i = slot_of(id);
        Slot& s = slots_[i];
        if (s.id == id) return {&s.value, false};
        if (!overflow_.empty() && id <= overflow_max_)
            if (V* old = overflow_.find(id)) return {old, false};
        if (s.id != empty_id(i)) {
            // The slot's older occupant makes room.
            overflow_.try_emplace(s.id, s.value);
            overflow_max_ = std::max(overflow_max_, s.id);
            s.id = empty_id(i);
            --in_slots_;
            if (16 * overflow_.size() > slots_.size()) {
                grow();
                return try_emplace(id, value);
            }
        }
        s.id = id;
        s.value = value;
        ++in_slots_;
        return {&s.value, true};
    }

    void reset_slots(std::size_t capacity) {
        slots_.assign(capacity, Slot{});
        for (std::size_t i = 0; i < capacity; ++i) slots_[i].id = empty_id(i);
        in_slots_ = 0;
    }

    void grow() {
        std::vector<Slot> old = std::move(slots_);
        U64Map<V> old_overflow = std::move(overflow_);
        overflow_ = U64Map<V>();
        overflow_max_ = 0;
        reset_slots(2 * old.size());
        for (std::size_t i = 0; i < old.size(); ++i)
            if (old[i].id != empty_id(i)) try_emplace(old[i].id, old[i].value);
        old_overflow.for_each([this](std::uint64_t id, const V& v) { try_emplace(id, v); });
    }

    std::vector<Slot> slots_;
    std::size_t in_slots_ = 0;
    U64Map<V> overflow_;
    std::uint64_t overflow_max_ = 0;  // >= every id in the overflow (not lowered on erase)
};

}  // namespace allocsim
