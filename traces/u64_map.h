// U64Map: a hash map from 64-bit keys (pointers, object ids) to small values, for
// the hot paths that pair frees with allocations: the importers' EventEmitter and
// the replay. std::unordered_map allocates a node per entry and chases a pointer per
// lookup; this keeps entries in one array (open addressing, linear probing) and
// erases by shifting the probe run back, so it needs no tombstones and its memory
// follows the live entries, not the history.
//
// Invariants: the capacity is a power of two; at most half the slots are used, so
// every probe run ends at an empty slot; an entry sits in the run that starts at its
// hash's home slot, with no empty slot between home and entry.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace allocsim {

template <class V>
class U64Map {
public:
    U64Map() { rehash(16); }

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }

    V* find(std::uint64_t key) {
        for (std::size_t i = home(key);; i = (i + 1) & mask_) {
            Slot& s = slots_[i];
            if (!s.used) return nullptr;
            if (s.key == key) return &s.value;
        }
    }
    const V* find(std::uint64_t key) const { return const_cast<U64Map*>(this)->find(key); }
    bool contains(std::uint64_t key) const { return find(key) != nullptr; }

    // The value for `key`, inserted as `value` if absent; the bool says whether it was.
    std::pair<V*, bool> try_emplace(std::uint64_t key, const V& value) {
        if (2 * (size_ + 1) > slots_.size()) rehash(2 * slots_.size());
        for (std::size_t i = home(key);; i = (i + 1) & mask_) {
            Slot& s = slots_[i];
            if (!s.used) {
                s = Slot{key, value, true};
                ++size_;
                return {&s.value, true};
            }
            if (s.key == key) return {&s.value, false};
        }
    }

    // Removes `key`; false if it was not there.
    bool erase(std::uint64_t key) {
        std::size_t i = home(key);
        for (;; i = (i + 1) & mask_) {
            if (!slots_[i].used) return false;
            if (slots_[i].key == key) break;
        }
        // Backward shift: move later entries of the run into the hole when their home
        // does not lie cyclically in (hole, j], so each stays reachable from its home.
        std::size_t hole = i;
        for (std::size_t j = (i + 1) & mask_; slots_[j].used; j = (j + 1) & mask_) {
            const std::size_t h = home(slots_[j].key);
            const bool reachable = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j);
            if (reachable) continue;
            slots_[hole] = std::move(slots_[j]);
            hole = j;
        }
        slots_[hole].used = false;
        --size_;
        return true;
    }

    // Calls f(key, value) for every entry, in no particular order.
    template <class F>
    void for_each(F&& f) const {
        for (const Slot& s : slots_)
            if (s.used) f(s.key, s.value);
    }

private:
    struct Slot {
        std::uint64_t key = 0;
        V value{};
        bool used = false;
    };

    std::size_t home(std::uint64_t key) const {
        // Fibonacci hashing: dense ids and aligned pointers both spread evenly.
        return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);
    }

    void rehash(std::size_t capacity) {
        std::vector<Slot> old = std::move(slots_);
        slots_.assign(capacity, Slot{});
        mask_ = capacity - 1;
        shift_ = 64 - static_cast<unsigned>(__builtin_ctzll(capacity));
        size_ = 0;
        for (Slot& s : old)
            if (s.used) try_emplace(s.key, s.value);
    }

    std::vector<Slot> slots_;
    std::size_t mask_ = 0;
    unsigned shift_ = 64;
    std::size_t size_ = 0;
};

}  // namespace allocsim
