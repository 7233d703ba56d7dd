// U64Map: a hash map from 64-bit keys (pointers, object ids) to small values, for
// the hot paths that pair frees with allocations: the importers' EventEmitter and
// the replay. std::unordered_map allocates a node per entry and chases a pointer per
// lookup; this keeps entries in one array (open addressing, linear probing) and
// erases by shifting the probe run back, so it needs no tombstones and its memory
// follows the live entries, not the history.
//
// A slot is its key and value and nothing else (a replay's slot is 32 bytes, two to
// a cache line): an empty slot holds the key kEmpty. The one real key equal to
// kEmpty lives outside the table, in `empty_key_`.
//
// Invariants: the capacity is a power of two; at most 3/4 of the slots are used, so
// every probe run ends at an empty slot; an entry sits in the run that starts at its
// hash's home slot, with no empty slot between home and entry. (3/4 rather than 1/2:
// runs stay short, and a replay's table of 4096 live objects stays at 256 KiB, inside
// L2, instead of doubling.)
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace allocsim {

template <class V>
class U64Map {
public:
    U64Map() { rehash(16); }

    std::size_t size() const { return size_ + (empty_key_ ? 1 : 0); }
    bool empty() const { return size() == 0; }

    V* find(std::uint64_t key) {
        if (key == kEmpty) return empty_key_ ? &*empty_key_ : nullptr;
        for (std::size_t i = home(key);; i = (i + 1) & mask_) {
            Slot& s = slots_[i];
            if (s.key == key) return &s.value;
            if (s.key == kEmpty) return nullptr;
        }
    }
    const V* find(std::uint64_t key) const { return const_cast<U64Map*>(this)->find(key); }
    bool contains(std::uint64_t key) const { return find(key) != nullptr; }

    // The value for `key`, inserted as `value` if absent; the bool says whether it was.
    std::pair<V*, bool> try_emplace(std::uint64_t key, const V& value) {
        if (key == kEmpty) {
            if (empty_key_) return {&*empty_key_, false};
            empty_key_ = value;
            return {&*empty_key_, true};
        }
        if (4 * (size_ + 1) > 3 * slots_.size()) rehash(2 * slots_.size());
        for (std::size_t i = home(key);; i = (i + 1) & mask_) {
            Slot& s = slots_[i];
            if (s.key == key) return {&s.value, false};
            if (s.key == kEmpty) {
                s.key = key;
                s.value = value;
                ++size_;
                return {&s.value, true};
            }
        }
    }

    // Removes `key`, moving its value to *taken if given; false if it was not there.
    bool erase(std::uint64_t key, V* taken = nullptr) {
        if (key == kEmpty) {
            if (!empty_key_) return false;
            if (taken != nullptr) *taken = std::move(*empty_key_);
            empty_key_.reset();
            return true;
        }
        std::size_t i = home(key);
        for (;; i = (i + 1) & mask_) {
            if (slots_[i].key == key) break;
            if (slots_[i].key == kEmpty) return false;
        }
        if (taken != nullptr) *taken = std::move(slots_[i].value);
        // Backward shift: move later entries of the run into the hole when their home
        // does not lie cyclically in (hole, j], so each stays reachable from its home.
        std::size_t hole = i;
        for (std::size_t j = (i + 1) & mask_; slots_[j].key != kEmpty; j = (j + 1) & mask_) {
            const std::size_t h = home(slots_[j].key);
            const bool reachable = hole <= j ? (h > hole && h <= j) : (h > hole || h <= j);
            if (reachable) continue;
            slots_[hole] = std::move(slots_[j]);
            hole = j;
        }
        slots_[hole].key = kEmpty;
        --size_;
        return true;
    }

    // Starts loading the cache line where a lookup of `key` begins. A caller that
    // knows its next keys (the replay reads a chunk of events ahead) hides the miss
    // a table larger than the cache costs on every lookup.
    void prefetch(std::uint64_t key) const { __builtin_prefetch(&slots_[home(key)]); }

    // Calls f(key, value) for every entry, in no particular order.
    template <class F>
    void for_each(F&& f) const {
        for (const Slot& s : slots_)
            if (s.key != kEmpty) f(s.key, s.value);
        if (empty_key_) f(kEmpty, *empty_key_);
    }

private:
    static constexpr std::uint64_t kEmpty = UINT64_MAX;

    struct Slot {
        std::uint64_t key = kEmpty;
        V value{};
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
            if (s.key != kEmpty) try_emplace(s.key, s.value);
    }

    std::vector<Slot> slots_;
    std::size_t mask_ = 0;
    unsigned shift_ = 64;
    std::size_t size_ = 0;         // entries in slots_
    std::optional<V> empty_key_;  // the value of key kEmpty, if present
};

}  // namespace allocsim
