// The synthetic workloads. Each is a Workload (traces/generator_driver.h): per-CPU
// steps of one event or two, so that the drivers can interleave CPUs and stop at
// the event budget anywhere. The seed report's single-CPU benchmarks are Programs,
// run as one independent instance per CPU; the multi-CPU ones share state across
// CPUs and run on synthetic clocks.
//
// Every workload's state is bounded by its live set, itself bounded by constants
// stated with each workload, whatever --ops is; every random choice is integer math
// on SplitMix64.
#include "traces/generators.h"

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "traces/generator_driver.h"
#include "traces/import_error.h"
#include "traces/splitmix64.h"

namespace allocsim::traces {

namespace {

using gen::Block;
using gen::Out;
using gen::Workload;

constexpr std::uint32_t kMaxCpus = 64;
constexpr std::uint64_t kMaxOps = 1'000'000'000;

// Blocks freed in random order: random lifetimes without a clock per object.
class Pool {
public:
    std::size_t size() const { return blocks_.size(); }
    bool empty() const { return blocks_.empty(); }
    void add(const Block& b) { blocks_.push_back(b); }
    // REQUIRES: !empty().
    void free_random(Out& out, SplitMix64& rng) {
        const std::size_t i = rng.below(blocks_.size());
        out.free(blocks_[i]);
        blocks_[i] = blocks_.back();
        blocks_.pop_back();
    }
    void free_all(Out& out) {
        for (const Block& b : blocks_) out.free(b);
        blocks_.clear();
    }

private:
    std::vector<Block> blocks_;
};

// One Program per CPU, sharing nothing: CPU c's instance is the same whatever the
// number of CPUs (its random stream depends on the seed and c only).
template <class Program>
class Independent final : public Workload {
public:
    Independent(std::uint16_t cpus, std::uint64_t seed) {
        programs_.reserve(cpus);
        for (std::uint16_t cpu = 0; cpu < cpus; ++cpu) programs_.emplace_back(SplitMix64::stream(seed, cpu));
    }
    void step(std::uint16_t cpu, Out& out) override { programs_[cpu].step(out); }
    void drain(std::uint16_t cpu, Out& out) override { programs_[cpu].drain(out); }

private:
    std::vector<Program> programs_;
};

// --- cache-64: the seed's thread-cache loop ------------------------------------------
// Bursts of 1..48 allocs of 64 B, then their frees: 7 bursts in 8 LIFO, the rest
// FIFO. 48 stays under the seed's bin capacity (64), so once the first refills are
// done every alloc and every free hits the per-CPU cache.
class Cache64 {
public:
    explicit Cache64(SplitMix64 rng) : rng_(rng) {}

    void step(Out& out) {
        if (to_alloc_ == 0 && head_ == burst_.size()) {  // the last burst is over
            burst_.clear();
            head_ = 0;
            to_alloc_ = rng_.between(1, kMaxBurst);
            lifo_ = !rng_.chance(1, 8);
        }
        if (to_alloc_ > 0) {
            --to_alloc_;
            burst_.push_back(out.alloc(64));
        } else if (lifo_) {
            out.free(burst_.back());
            burst_.pop_back();
        } else {
            out.free(burst_[head_++]);
        }
    }
    void drain(Out& out) {
        while (burst_.size() > head_) {
            out.free(burst_.back());
            burst_.pop_back();
        }
    }

private:
    static constexpr std::uint64_t kMaxBurst = 48;
    SplitMix64 rng_;
    std::vector<Block> burst_;  // live: [head_, size)
    std::size_t head_ = 0;
    std::uint64_t to_alloc_ = 0;
    bool lifo_ = true;
};

// --- buddy-churn: the seed's 4 KiB buddy benchmark -----------------------------------
// Page blocks straight from the buddy, 3 in 4 of order 0 and the rest of orders 1..4,
// freed in random order so that splits and coalesces both happen. Alloc with
// probability (kMaxLive - live) / kMaxLive, else free a random block (an Ehrenfest
// urn): the live set settles around kMaxLive / 2 and never exceeds kMaxLive.
class BuddyChurn {
public:
    explicit BuddyChurn(SplitMix64 rng) : rng_(rng) {}

    void step(Out& out) {
        if (rng_.below(kMaxLive) >= live_.size()) {
            const auto order = static_cast<std::uint8_t>(rng_.chance(3, 4) ? 0 : rng_.between(1, 4));
            live_.add(out.page_alloc(order));
        } else {
            live_.free_random(out, rng_);
        }
    }
    void drain(Out& out) { live_.free_all(out); }

private:
    static constexpr std::uint64_t kMaxLive = 256;
    SplitMix64 rng_;
    Pool live_;
};

// --- mixed-stress: the seed's 100k-cycle stress --------------------------------------
// Log-uniform sizes over 8 B..4 KiB, 1 in 64 over 4..64 KiB; 1 in 32 allocs asks for
// 64-byte alignment. Random lifetimes as in buddy-churn, at most kMaxLive live.
class MixedStress {
public:
    explicit MixedStress(SplitMix64 rng) : rng_(rng) {}

    void step(Out& out) {
        if (rng_.below(kMaxLive) >= live_.size()) {
            const std::uint64_t size = rng_.chance(1, 64) ? rng_.log_uniform(12, 16) : rng_.log_uniform(3, 12);
            const auto align_log2 = static_cast<std::uint8_t>(rng_.chance(1, 32) ? 6 : 0);
            live_.add(out.alloc(size, align_log2));
        } else {
            live_.free_random(out, rng_);
        }
    }
    void drain(Out& out) { live_.free_all(out); }

private:
    static constexpr std::uint64_t kMaxLive = 1024;
    SplitMix64 rng_;
    Pool live_;
};

// --- pollution: the seed's cache pollution and recovery -------------------------------
// A round: kHotPairs alloc/free pairs of 64 B (the hot loop), kPollution allocs of
// log-uniform sizes over 8 B..4 KiB (every small size class), freed in allocation
// order, then kHotPairs pairs of 64 B again (the recovery). kRoundEvents per round.
class Pollution {
public:
    static constexpr std::uint64_t kHotPairs = 1000;
    static constexpr std::uint64_t kPollution = 500;
    static constexpr std::uint64_t kRoundEvents = 2 * kHotPairs + 2 * kPollution + 2 * kHotPairs;

    explicit Pollution(SplitMix64 rng) : rng_(rng) {}

    void step(Out& out) {
        if (i_ < 2 * kHotPairs || i_ >= 2 * kHotPairs + 2 * kPollution) {  // hot loop or recovery
            if (hot_.empty()) {
                hot_ = out.alloc(64);
            } else {
                out.free(hot_);
                hot_ = Block{};
            }
        } else if (polluted_.size() < kPollution) {
            polluted_.push_back(out.alloc(rng_.log_uniform(3, 12)));
        } else {
            out.free(polluted_[head_++]);
            if (head_ == polluted_.size()) {
                polluted_.clear();
                head_ = 0;
            }
        }
        i_ = (i_ + 1) % kRoundEvents;
    }
    void drain(Out& out) {
        if (!hot_.empty()) out.free(hot_);
        hot_ = Block{};
        for (; head_ < polluted_.size(); ++head_) out.free(polluted_[head_]);
        polluted_.clear();
        head_ = 0;
    }

private:
    SplitMix64 rng_;
    std::uint64_t i_ = 0;  // the step within the round
    Block hot_;
    std::vector<Block> polluted_;  // live: [head_, size)
    std::size_t head_ = 0;
};

// --- power-law -------------------------------------------------------------------------
// Sizes over 8 B..1 MiB with P(size >= x) ~ 8 / x (SplitMix64::pareto). Lifetimes are
// heavy-tailed too, in O(1) per event: an object joins tier k with probability
// 2^-(k+1); a tier holds kTierSize objects, and a full tier frees a random one to make
// room. Tier k gets one alloc in 2^(k+1), so its objects live about
// kTierSize * 2^(k+1) allocs: most die within a few dozen allocs, a few live for
// millions, P(lifetime > t) ~ 1/t. At most kTiers * kTierSize live.
class PowerLaw {
public:
    explicit PowerLaw(SplitMix64 rng) : rng_(rng), tiers_(kTiers) {}

    void step(Out& out) {
        Pool& tier = tiers_[rng_.halving(kTiers - 1)];
        if (tier.size() >= kTierSize) tier.free_random(out, rng_);
        tier.add(out.alloc(rng_.pareto(3, 20)));
    }
    void drain(Out& out) {
        for (Pool& tier : tiers_) tier.free_all(out);
    }

private:
    static constexpr unsigned kTiers = 21;
    static constexpr std::size_t kTierSize = 32;
    SplitMix64 rng_;
    std::vector<Pool> tiers_;
};

// --- fragmentation: malloclab's binary-bal and binary2-bal -----------------------------
// A round: n alternating small and large blocks, free all the small ones (every other
// block: holes too small for anything that follows), n blocks larger than both, then
// free everything in random order. Rounds cycle through three variants; n is random
// in [500, 1000], an eighth of that for pages (order-3 and order-4 blocks are big).
class Fragmentation {
public:
    explicit Fragmentation(SplitMix64 rng) : rng_(rng) { begin_round(); }

    void step(Out& out) {
        const Variant& v = kVariants[round_ % 3];
        switch (phase_) {
        case Phase::Alternate:
            if (i_ % 2 == 0)
                small_.push_back(make(out, v.small));
            else
                rest_.add(make(out, v.large));
            if (++i_ == 2 * n_) next(Phase::FreeSmall);
            break;
        case Phase::FreeSmall:
            out.free(small_[i_]);
            if (++i_ == n_) {
                small_.clear();
                next(Phase::Grow);
            }
            break;
        case Phase::Grow:
            rest_.add(make(out, v.grow));
            if (++i_ == n_) next(Phase::FreeAll);
            break;
        case Phase::FreeAll:
            rest_.free_random(out, rng_);
            if (rest_.empty()) {
                ++round_;
                begin_round();
            }
            break;
        }
    }
    void drain(Out& out) {
        for (std::size_t j = phase_ == Phase::FreeSmall ? i_ : 0; j < small_.size(); ++j) out.free(small_[j]);
        small_.clear();
        rest_.free_all(out);
    }

private:
    enum class Phase : std::uint8_t { Alternate, FreeSmall, Grow, FreeAll };
    struct Variant {
        bool pages;
        std::uint64_t small, large, grow;  // bytes, or page orders
    };
    static constexpr Variant kVariants[3] = {{false, 64, 448, 512}, {false, 16, 112, 128}, {true, 0, 3, 4}};

    Block make(Out& out, std::uint64_t size_or_order) const {
        return kVariants[round_ % 3].pages ? out.page_alloc(static_cast<std::uint8_t>(size_or_order))
                                           : out.alloc(size_or_order);
    }
    void begin_round() {
        n_ = rng_.between(500, 1000);
        if (kVariants[round_ % 3].pages) n_ /= 8;
        next(Phase::Alternate);
    }
    void next(Phase p) {
        phase_ = p;
        i_ = 0;
    }

    SplitMix64 rng_;
    std::uint64_t round_ = 0;
    std::uint64_t n_ = 0;
    Phase phase_ = Phase::Alternate;
    std::uint64_t i_ = 0;       // the step within the phase
    std::vector<Block> small_;  // Alternate: all live; FreeSmall: live from i_
    Pool rest_;                 // the large and grown blocks
};

// --- malloclab-bal: the shapes of CS:APP malloclab's balanced traces ------------------
// Rounds in turn, each ending with everything freed (balanced): binary-bal (64 and
// 448 B alternately, free the 448s, then 512s that the holes cannot take),
// binary2-bal (16 and 112, free the 112s, then 128s), realloc-bal (a buffer grown by
// 128 B at a time with a 128 B block allocated and the previous one freed between
// growths), realloc2-bal (a 4092 B buffer grown by 5 B with 16 B blocks between),
// coalescing-bal (two 4095 B blocks freed, then one of 8190), random-bal (random
// sizes 1..16 KiB, random frees, at most 2000 live) and a cp-decl-like mix of mostly
// small sizes with a tail to a few KiB. A round is planned whole, at most 12000
// events, so the live set is bounded by the round's.
class MalloclabBal {
public:
    explicit MalloclabBal(SplitMix64 rng) : rng_(rng) {}

    void step(Out& out) {
        if (next_ == plan_.size()) plan_round();
        const Op& op = plan_[next_++];
        switch (op.kind) {
        case Kind::Alloc: slots_[op.slot] = out.alloc(op.size); break;
        case Kind::Realloc: out.realloc(slots_[op.slot], op.size); break;
        case Kind::Free:
            out.free(slots_[op.slot]);
            slots_[op.slot] = Block{};
            break;
        }
    }
    void drain(Out& out) {
        for (Block& b : slots_) {
            if (!b.empty()) out.free(b);
            b = Block{};
        }
        plan_.clear();
        next_ = 0;
    }

private:
    enum class Kind : std::uint8_t { Alloc, Realloc, Free };
    struct Op {
        Kind kind;
        std::uint32_t slot;
        std::uint64_t size;
    };
    static constexpr int kShapes = 7;

    void alloc(std::uint32_t slot, std::uint64_t size) { plan_.push_back(Op{Kind::Alloc, slot, size}); }
    void grow(std::uint32_t slot, std::uint64_t size) { plan_.push_back(Op{Kind::Realloc, slot, size}); }
    void free(std::uint32_t slot) { plan_.push_back(Op{Kind::Free, slot, 0}); }

    // binary-bal and binary2-bal: n pairs, the larger of each pair freed, n larger ones.
    void binary(std::uint64_t small, std::uint64_t large, std::uint64_t grown) {
        const auto n = static_cast<std::uint32_t>(rng_.between(500, 1000));
        for (std::uint32_t i = 0; i < n; ++i) {
            alloc(2 * i, small);
            alloc(2 * i + 1, large);
        }
        for (std::uint32_t i = 0; i < n; ++i) free(2 * i + 1);
        for (std::uint32_t i = 0; i < n; ++i) alloc(2 * n + i, grown);
        for (std::uint32_t i = 0; i < n; ++i) free(2 * i);
        for (std::uint32_t i = 0; i < n; ++i) free(2 * n + i);
    }

    // realloc-bal and realloc2-bal: slot 0 is the buffer, the others the blocks between.
    void realloc_growth(std::uint64_t start, std::uint64_t step, std::uint64_t between) {
        const auto n = static_cast<std::uint32_t>(rng_.between(1000, 2000));
        alloc(0, start);
        for (std::uint32_t i = 1; i <= n; ++i) {
            alloc(i, between);
            grow(0, start + step * i);
            if (i > 1) free(i - 1);
        }
        free(n);
        free(0);
    }

    void coalescing() {
        const auto n = static_cast<std::uint32_t>(rng_.between(500, 1000));
        for (std::uint32_t i = 0; i < n; ++i) {
            alloc(0, 4095);
            alloc(1, 4095);
            free(0);
            free(1);
            alloc(2, 8190);
            free(2);
        }
    }

    // Random sizes and lifetimes with `size` choosing each size; at most `live` live.
    template <class Size>
    void random_lifetimes(std::uint32_t live, Size size) {
        const auto n = static_cast<std::uint32_t>(rng_.between(3000, 5000));
        std::vector<std::uint32_t> held;
        std::uint32_t slot = 0;
        for (std::uint32_t i = 0; i < n; ++i) {
            if (!held.empty() && (held.size() >= live || rng_.below(100) < 45)) {
                const std::size_t j = rng_.below(held.size());
                free(held[j]);
                held[j] = held.back();
                held.pop_back();
            } else {
                alloc(slot, size());
                held.push_back(slot++);
            }
        }
        for (std::uint32_t s : held) free(s);
    }

    void plan_round() {
        plan_.clear();
        next_ = 0;
        switch (round_++ % kShapes) {
        case 0: binary(64, 448, 512); break;
        case 1: binary(16, 112, 128); break;
        case 2: realloc_growth(512, 128, 128); break;
        case 3: realloc_growth(4092, 5, 16); break;
        case 4: coalescing(); break;
        case 5: random_lifetimes(2000, [this] { return rng_.between(1, 16384); }); break;
        case 6:
            random_lifetimes(4000, [this] {
                // cp-decl-like: 9 in 10 of 8..256 B, the rest to 4 KiB.
                return rng_.below(10) < 9 ? rng_.between(8, 256) : rng_.between(257, 4096);
            });
            break;
        }
        std::uint32_t slots = 0;
        for (const Op& op : plan_) slots = op.slot + 1 > slots ? op.slot + 1 : slots;
        slots_.assign(slots, Block{});
    }

    SplitMix64 rng_;
    std::uint64_t round_ = 0;
    std::vector<Op> plan_;
    std::size_t next_ = 0;
    std::vector<Block> slots_;
};

// --- larson: mimalloc-bench's larson (server bleeding) --------------------------------
// Each CPU works on an array of kSlots slots: a turn frees the object in a random slot
// (if any) and puts a new one of 16..128 B there. Every kHandOff turns per CPU (on
// average) the arrays move on to the next CPU, so a slot's object was often allocated
// by the CPU before: remote frees, as when larson hands its arrays to new threads.
class Larson final : public Workload {
public:
    Larson(std::uint16_t cpus, std::uint64_t seed)
        : cpus_(cpus), slots_(std::size_t{cpus} * kSlots), until_hand_off_(kHandOff * cpus) {
        for (std::uint16_t cpu = 0; cpu < cpus; ++cpu) rngs_.push_back(SplitMix64::stream(seed, cpu));
    }

    void step(std::uint16_t cpu, Out& out) override {
        SplitMix64& rng = rngs_[cpu];
        Block& slot = slots_[array_of(cpu) * kSlots + rng.below(kSlots)];
        if (!slot.empty()) out.free(slot);
        slot = out.alloc(rng.between(16, 128));
        if (--until_hand_off_ == 0) {
            until_hand_off_ = kHandOff * cpus_;
            rotation_ = rotation_ + 1 == cpus_ ? 0 : rotation_ + 1;
        }
    }
    void drain(std::uint16_t cpu, Out& out) override {
        for (std::size_t i = 0; i < kSlots; ++i) {
            Block& slot = slots_[array_of(cpu) * kSlots + i];
            if (!slot.empty()) out.free(slot);
            slot = Block{};
        }
    }

private:
    static constexpr std::size_t kSlots = 1024;
    static constexpr std::uint64_t kHandOff = 1024;

    std::size_t array_of(std::uint16_t cpu) const {
        const std::uint32_t a = cpu + rotation_;
        return a < cpus_ ? a : a - cpus_;
    }

    std::uint16_t cpus_;
    std::vector<Block> slots_;  // array a: [a * kSlots, (a + 1) * kSlots)
    std::vector<SplitMix64> rngs_;
    std::uint64_t until_hand_off_;  // turns of all CPUs
    std::uint32_t rotation_ = 0;     // CPU c works on array (c + rotation_) % cpus_
};

// --- producer-consumer ---------------------------------------------------------------
// CPUs [0, P) produce, [P, cpus) consume, P = cpus / 2. A producer's turn allocates a
// message of 32 B..2 KiB (log-uniform) for a random consumer, unless that consumer's
// queue is full (kMaxQueued: back-pressure, the turn is idle); a consumer's turn
// frees the oldest message of its queue, if any. Every free is remote by construction,
// so one CPU cannot run it: generate() refuses --cpus 1.
class ProducerConsumer final : public Workload {
public:
    ProducerConsumer(std::uint16_t cpus, std::uint64_t seed)
        : producers_(static_cast<std::uint16_t>(cpus / 2)), queues_(cpus - cpus / 2) {
        for (std::uint16_t cpu = 0; cpu < cpus; ++cpu) rngs_.push_back(SplitMix64::stream(seed, cpu));
    }

    void step(std::uint16_t cpu, Out& out) override {
        SplitMix64& rng = rngs_[cpu];
        if (cpu < producers_) {
            std::deque<Block>& q = queues_[rng.below(queues_.size())];
            if (q.size() < kMaxQueued) q.push_back(out.alloc(rng.log_uniform(5, 11)));
        } else if (std::deque<Block>& q = queues_[cpu - producers_]; !q.empty()) {
            out.free(q.front());
            q.pop_front();
        }
    }
    void drain(std::uint16_t cpu, Out& out) override {
        if (cpu < producers_) return;
        std::deque<Block>& q = queues_[cpu - producers_];
        for (const Block& b : q) out.free(b);
        q.clear();
    }

private:
    static constexpr std::size_t kMaxQueued = 256;
    std::uint16_t producers_;
    std::vector<std::deque<Block>> queues_;  // one per consumer
    std::vector<SplitMix64> rngs_;
};

// --- default: the built-in trace -------------------------------------------------------
// A CPU's turn: with an inbox (objects other CPUs sent it), half the time free the
// oldest of them (a remote free). Otherwise it goes on with its activity, or picks
// the next one (percentages):
//   50 hot burst     1..24 allocs of one size in 8..512 B, freed LIFO: cache hits
//    3 big burst     80..160 allocs of one size in 16..2048 B, then their frees: bins
//                    run empty and full, so refills and drains, and new slab pages
//    5 aligned burst 1..8 allocs of 16..1024 B aligned to 64, freed LIFO
//    4 medium burst  2..12 allocs of 4..16 KiB: multi-page slab runs
//   15 send          1..32 allocs of 16..512 B into another CPU's inbox (itself with one CPU)
//   15 hold          a long-lived block: 1 in 3 a large object of 64 KiB..1 MiB (the
//                    buddy's orders 4..8), else a page block of order k with P = 2^-(k+1)
//                    (k <= 6); with kMaxHeld held, free a random one instead
//    8 release       free a random held block: buddy coalesces
// Inboxes hold at most kMaxInbox objects: a send to a full inbox is dropped.
class DefaultMix final : public Workload {
public:
    DefaultMix(std::uint16_t cpus, std::uint64_t seed) {
        for (std::uint16_t cpu = 0; cpu < cpus; ++cpu) cpus_.emplace_back(SplitMix64::stream(seed, cpu));
    }

    void step(std::uint16_t cpu, Out& out) override {
        Cpu& c = cpus_[cpu];
        if (!c.inbox.empty() && c.rng.chance(1, 2)) {
            out.free(c.inbox.front());
            c.inbox.pop_front();
            return;
        }
        if (c.to_send == 0 && c.to_alloc == 0 && c.head == c.burst.size() && !begin_activity(cpu, c, out)) return;
        if (c.to_send > 0) {
            --c.to_send;
            std::deque<Block>& inbox = cpus_[c.target].inbox;
            if (inbox.size() < kMaxInbox) inbox.push_back(out.alloc(c.rng.log_uniform(4, 9)));
        } else if (c.to_alloc > 0) {
            --c.to_alloc;
            c.burst.push_back(out.alloc(c.size, c.align_log2));
        } else if (c.lifo) {
            out.free(c.burst.back());
            c.burst.pop_back();
        } else {
            out.free(c.burst[c.head++]);
        }
    }
    void drain(std::uint16_t cpu, Out& out) override {
        Cpu& c = cpus_[cpu];
        for (std::size_t i = c.head; i < c.burst.size(); ++i) out.free(c.burst[i]);
        c.burst.clear();
        c.head = 0;
        c.held.free_all(out);
        for (const Block& b : c.inbox) out.free(b);
        c.inbox.clear();
    }

private:
    static constexpr std::size_t kMaxHeld = 24;
    static constexpr std::size_t kMaxInbox = 1024;

    struct Cpu {
        explicit Cpu(SplitMix64 r) : rng(r) {}
        SplitMix64 rng;
        std::vector<Block> burst;  // the burst's live objects: [head, size)
        std::size_t head = 0;
        std::uint64_t to_alloc = 0;
        std::uint64_t size = 0;
        std::uint8_t align_log2 = 0;
        bool lifo = true;
        std::uint64_t to_send = 0;
        std::uint16_t target = 0;
        Pool held;
        std::deque<Block> inbox;
    };

    void begin_burst(Cpu& c, std::uint64_t size, std::uint64_t count, bool lifo, std::uint8_t align_log2 = 0) {
        c.burst.clear();
        c.head = 0;
        c.size = size;
        c.to_alloc = count;
        c.lifo = lifo;
        c.align_log2 = align_log2;
    }

    // Sets up the next activity; false if it was done at once (hold, release).
    bool begin_activity(std::uint16_t cpu, Cpu& c, Out& out) {
        SplitMix64& rng = c.rng;
        const std::uint64_t r = rng.below(100);
        if (r < 50) {
            begin_burst(c, rng.log_uniform(3, 9), rng.between(1, 24), true);
        } else if (r < 53) {
            begin_burst(c, rng.log_uniform(4, 11), rng.between(80, 160), rng.chance(1, 2));
        } else if (r < 58) {
            begin_burst(c, rng.log_uniform(4, 10), rng.between(1, 8), true, 6);
        } else if (r < 62) {
            begin_burst(c, rng.log_uniform(12, 14), rng.between(2, 12), true);
        } else if (r < 77) {
            const auto n = static_cast<std::uint64_t>(cpus_.size());
            c.to_send = rng.between(1, 32);
            c.target = static_cast<std::uint16_t>(n == 1 ? cpu : (cpu + 1 + rng.below(n - 1)) % n);
        } else if (r < 92 && c.held.size() < kMaxHeld) {
            c.held.add(rng.chance(1, 3) ? out.alloc(rng.log_uniform(16, 20))
                                        : out.page_alloc(static_cast<std::uint8_t>(rng.halving(6))));
            return false;
        } else {
            if (!c.held.empty()) c.held.free_random(out, rng);
            return false;
        }
        return true;
    }

    std::vector<Cpu> cpus_;
};

// --- the registry ----------------------------------------------------------------------

constexpr WorkloadInfo kWorkloads[] = {
    {"cache-64", "64 B bursts of 1..48, mostly freed LIFO: per-CPU cache hits", 1, 20'000},
    {"buddy-churn", "page blocks, 3/4 of order 0, freed in random order", 1, 2'000},
    {"mixed-stress", "8 B..4 KiB, a few to 64 KiB or aligned, random lifetimes", 1, 200'000},
    {"pollution", "hot 64 B loop, 500 allocs of all small sizes, recovery", 1, Pollution::kRoundEvents},
    {"larson", "16..128 B objects in slot arrays handed CPU to CPU", 4, 200'000},
    {"producer-consumer", "half the CPUs allocate, the others free (2+ CPUs)", 4, 200'000},
    {"power-law", "8 B..1 MiB, P(size >= x) ~ 1/x, heavy-tailed lifetimes", 1, 200'000},
    {"fragmentation", "binary-bal: small/large, free the small, grow; also pages", 1, 100'000},
    {"malloclab-bal", "malloclab's balanced shapes: binary, realloc growth, coalescing, random", 1, 100'000},
    {"default", "the built-in mix: hits, refills, drains, remote, large, pages", 4, 20'000},
};

// How each workload runs, in kWorkloads' order.
struct Runner {
    std::unique_ptr<Workload> (*make)(std::uint16_t cpus, std::uint64_t seed);
    bool timed;
    gen::ThinkTime think;  // timed only
    std::uint16_t min_cpus;
};

template <class W>
std::unique_ptr<Workload> make(std::uint16_t cpus, std::uint64_t seed) {
    return std::make_unique<W>(cpus, seed);
}

constexpr Runner kRunners[] = {
    {make<Independent<Cache64>>, false, {}, 1},
    {make<Independent<BuddyChurn>>, false, {}, 1},
    {make<Independent<MixedStress>>, false, {}, 1},
    {make<Independent<Pollution>>, false, {}, 1},
    {make<Larson>, true, {50, 200}, 1},
    {make<ProducerConsumer>, true, {100, 300}, 2},
    {make<Independent<PowerLaw>>, false, {}, 1},
    {make<Independent<Fragmentation>>, false, {}, 1},
    {make<Independent<MalloclabBal>>, false, {}, 1},
    {make<DefaultMix>, true, {30, 300}, 1},
};
static_assert(std::size(kRunners) == std::size(kWorkloads));

// The think-time stream is apart from every CPU's (CPU streams are 0..63).
constexpr std::uint64_t kClockStream = 1000;

}  // namespace

std::span<const WorkloadInfo> workloads() { return kWorkloads; }

void generate(std::string_view workload, const GeneratorOptions& options, EventEmitter& out) {
    std::size_t w = 0;
    while (w < std::size(kWorkloads) && workload != kWorkloads[w].name) ++w;
    if (w == std::size(kWorkloads)) {
        std::string names;
        for (const WorkloadInfo& info : kWorkloads) names += std::string(names.empty() ? "" : ", ") + info.name;
        throw TraceError("unknown workload '" + std::string(workload) + "' (workloads: " + names + ")");
    }
    const WorkloadInfo& info = kWorkloads[w];
    const Runner& runner = kRunners[w];
    if (options.cpus > kMaxCpus)
        throw TraceError("--cpus " + std::to_string(options.cpus) + " is out of range (1.." +
                         std::to_string(kMaxCpus) + ")");
    if (options.ops > kMaxOps)
        throw TraceError("--ops " + std::to_string(options.ops) + " is out of range (1.." + std::to_string(kMaxOps) +
                         ")");
    const auto cpus = static_cast<std::uint16_t>(options.cpus == 0 ? info.default_cpus : options.cpus);
    if (cpus < runner.min_cpus)
        throw TraceError(std::string(info.name) + " needs at least " + std::to_string(runner.min_cpus) +
                         " CPUs (--cpus " + std::to_string(runner.min_cpus) + ".." + std::to_string(kMaxCpus) + ")");
    const std::uint64_t ops = options.ops == 0 ? info.default_ops : options.ops;

    const std::unique_ptr<Workload> generator = runner.make(cpus, options.seed);
    Out sink(out);
    if (runner.timed)
        gen::run_timed(*generator, cpus, ops, runner.think, SplitMix64::stream(options.seed, kClockStream), sink);
    else
        gen::run_round_robin(*generator, cpus, ops, sink);
}

}  // namespace allocsim::traces
