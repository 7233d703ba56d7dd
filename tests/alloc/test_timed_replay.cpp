// The measured replay (alloc/measure/timed_replay.h) on host threads: every plan op
// gets a record with cycles > 0 from the runner that plays its CPU, a free of an
// object another runner allocated waits for the allocation, and the core's
// invariants hold afterwards. Run under TSan too (tsan.*).
#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "alloc/hybrid_allocator.h"
#include "alloc/measure/op_profile.h"
#include "alloc/measure/record_codec.h"
#include "alloc/measure/timed_replay.h"
#include "alloc/platform/host/host_platform.h"

using namespace allocsim;
using namespace allocsim::measure;

namespace {

using Core = HybridAllocator<ProfilingObserver, HostPlatform>;

// Objects allocated on CPU (i % 2) and freed on the other CPU: every free depends
// on the other runner.
std::vector<PlanOp> cross_plan(std::uint32_t objects) {
    std::vector<PlanOp> ops;
    for (std::uint32_t i = 0; i < objects; ++i) {
        const auto cpu = static_cast<std::uint16_t>(i % 2);
        ops.push_back(PlanOp{16 + (i % 50) * 8, i, 0, cpu, PlanOpKind::Alloc, 0, 0});
        if (i >= 8) {
            const std::uint32_t o = i - 8;
            ops.push_back(PlanOp{0, o, 1, static_cast<std::uint16_t>(1 - o % 2), PlanOpKind::Free, 0, 0});
        }
    }
    for (std::uint32_t o = objects - 8; o < objects; ++o)
        ops.push_back(PlanOp{0, o, 1, static_cast<std::uint16_t>(1 - o % 2), PlanOpKind::Free, 0, 0});
    return ops;
}

}  // namespace

TEST_CASE("timed replay: two runners, cross-CPU frees wait for their allocation") {
    const std::uint32_t objects = 4000;
    const std::vector<PlanOp> ops = cross_plan(objects);
    std::vector<unsigned char> region(16 << 20);
    auto core = std::make_unique<Core>();
    AllocatorConfig config;
    config.cpus = 2;
    REQUIRE(core->init(region.data(), region.size(), config) == InitError::None);
    std::vector<ObjectState> state(objects);
    for (ObjectState& s : state) s.done.store(0);
    std::vector<MeasuredOp> out(ops.size(), MeasuredOp{});
    std::atomic<std::uint64_t> done{0};
    const std::uint64_t overhead = timer_overhead<HostPlatform>(256).least;
    auto run = [&](std::uint32_t r) {
        run_timed_share<Core, HostPlatform>(*core, ops.data(), ops.size(), state.data(), out.data(), r, 2,
                                            static_cast<std::uint16_t>(10 + r), overhead,
                                            [&](std::uint64_t n) { done.fetch_add(n); });
    };
    std::thread a(run, 0), b(run, 1);
    a.join();
    b.join();
    CHECK(done.load() == ops.size());
    std::uint64_t remote = 0;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        CHECK(out[i].cycles > 0);
        CHECK(out[i].cpu == 10 + ops[i].cpu);  // the runner that plays the op's CPU
        CHECK(out[i].kinds != 0);              // the core reported what it did
        if (ops[i].kind == PlanOpKind::Free) remote += (out[i].kinds & kind_bit(ActionKind::RemoteFree)) != 0;
    }
    for (const ObjectState& s : state) CHECK(s.done.load() == 2);
    CHECK(core->check().ok);
    CHECK(core->memory_stats().live_bytes() == 0);
    CHECK(core->observer().count(ActionKind::CacheHit) + core->observer().count(ActionKind::CacheMiss) == objects);
    CHECK(remote > 0);  // frees of the other CPU's objects went back through remote queues
}

TEST_CASE("timed replay: one runner plays both CPUs, each keeping its own cache") {
    const std::vector<PlanOp> ops = cross_plan(1000);
    std::vector<unsigned char> region(16 << 20);
    auto core = std::make_unique<Core>();
    AllocatorConfig config;
    config.cpus = 2;
    REQUIRE(core->init(region.data(), region.size(), config) == InitError::None);
    std::vector<ObjectState> state(1000);
    for (ObjectState& s : state) s.done.store(0);
    std::vector<MeasuredOp> out(ops.size(), MeasuredOp{});
    run_timed_share<Core, HostPlatform>(*core, ops.data(), ops.size(), state.data(), out.data(), 0, 1, 0, 0,
                                        [](std::uint64_t) {});
    for (const MeasuredOp& m : out) CHECK(m.cycles > 0);
    CHECK(core->observer().count(CpuId{0}, ActionKind::CacheMiss) > 0);
    CHECK(core->observer().count(CpuId{1}, ActionKind::CacheMiss) > 0);
    CHECK(core->check().ok);
}

TEST_CASE("op classes: the most specific action decides") {
    CHECK(classify(kind_bit(ActionKind::CacheHit)) == OpClass::AllocHit);
    CHECK(classify(kind_bit(ActionKind::CacheFree)) == OpClass::FreeHit);
    CHECK(classify(kind_bit(ActionKind::CacheMiss) | kind_bit(ActionKind::Refill)) == OpClass::MissRefill);
    CHECK(classify(kind_bit(ActionKind::CacheMiss) | kind_bit(ActionKind::Refill) | kind_bit(ActionKind::SlabCarve) |
                   kind_bit(ActionKind::BuddyAlloc)) == OpClass::PageCarve);
    CHECK(classify(kind_bit(ActionKind::SlabCarve) | kind_bit(ActionKind::BuddySplit)) == OpClass::Split);
    CHECK(classify(kind_bit(ActionKind::CacheFull) | kind_bit(ActionKind::Drain) | kind_bit(ActionKind::RemoteFree)) ==
          OpClass::RemoteFree);
    CHECK(classify(kind_bit(ActionKind::BuddyFree) | kind_bit(ActionKind::BuddyCoalesce)) == OpClass::Coalesce);
    CHECK(classify(kind_bit(ActionKind::AllocFailure) | kind_bit(ActionKind::BuddySplit)) == OpClass::Failure);
    CHECK(classify(0) == OpClass::Other);
}

TEST_CASE("record codec: records round-trip compact, short or malformed bytes are refused") {
    std::vector<MeasuredOp> in;
    std::uint64_t x = 88172645463325252ull;  // xorshift: varied values, reproducibly
    auto next = [&x] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return x;
    };
    for (int i = 0; i < 5000; ++i) {
        MeasuredOp m{};
        const std::uint64_t r = next();
        m.cycles = r % 7 == 0 ? static_cast<std::uint32_t>(r >> 20) : 1 + static_cast<std::uint32_t>(r % 3000);
        m.cpu = static_cast<std::uint16_t>(r % 16);
        m.flags = static_cast<std::uint8_t>((r >> 8) % 4);
        m.splits = (r >> 12) % 5 == 0 ? static_cast<std::uint8_t>(1 + (r >> 16) % 20) : 0;
        // Mostly a few masks, some rare ones: more than the 254 the dictionary holds.
        m.kinds = (r >> 24) % 10 == 0 ? static_cast<std::uint32_t>(r >> 32) : 1u << ((r >> 40) % 4);
        in.push_back(m);
    }
    std::vector<unsigned char> bytes(in.size() * kMaxEncodedRecord);
    RecordEncoder encoder;
    std::size_t n = 0;
    for (const MeasuredOp& m : in) {
        const std::size_t k = encoder.encode(m, bytes.data() + n);
        CHECK(k <= kMaxEncodedRecord);
        n += k;
    }
    CHECK(n < in.size() * sizeof(MeasuredOp) / 2);  // compact
    RecordDecoder decoder;
    const unsigned char* p = bytes.data();
    const unsigned char* end = bytes.data() + n;
    for (const MeasuredOp& want : in) {
        MeasuredOp got{};
        const std::size_t k = decoder.decode(p, end, got);
        REQUIRE(k > 0);
        CHECK(got.cycles == want.cycles);
        CHECK(got.cpu == want.cpu);
        CHECK(got.flags == want.flags);
        CHECK(got.splits == want.splits);
        CHECK(got.kinds == want.kinds);
        p += k;
    }
    CHECK(p == end);

    // Cut short anywhere inside a record, or a reference to a mask never sent: refused.
    RecordEncoder e2;
    unsigned char one[kMaxEncodedRecord];
    const std::size_t len = e2.encode(MeasuredOp{300000, 3, 2, 1, 0x8001}, one);
    for (std::size_t cut = 0; cut < len; ++cut) {
        RecordDecoder d;
        MeasuredOp m{};
        CHECK(d.decode(one, one + cut, m) == 0);
    }
    const unsigned char unknown[] = {7, 0, 5};
    RecordDecoder d;
    MeasuredOp m{};
    CHECK(d.decode(unknown, unknown + 3, m) == 0);
}
