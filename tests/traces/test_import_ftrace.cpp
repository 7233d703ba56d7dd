// Linux ftrace kmem importer: line shapes of the kernel and trace-cmd, old and new
// field styles, NULL and failed allocations, pairing, time, errors, sample files.
#include <fstream>
#include <iterator>

#include "tests/traces/test_support.h"
#include "traces/import_error.h"

using namespace allocsim::traces;
using namespace allocsim::traces::test;

namespace {

Imported ft(const std::string& text, bool lenient = false) {
    return import_text(import_ftrace, text, lenient, "t.txt");
}

std::string error_of(const std::string& text) {
    return error_message([&] { ft(text); });
}

std::string read_sample(const std::string& name) {
    std::ifstream in(std::string(ALLOCSIM_TEST_DATA) + "/ftrace/" + name, std::ios::binary);
    REQUIRE(in);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TraceEvent alloc(std::int64_t t, std::uint64_t object, std::uint64_t size, std::uint16_t cpu) {
    return TraceEvent{t, object, size, 0, cpu, Op::Alloc, 0};
}
TraceEvent free_(std::int64_t t, std::uint64_t object, std::uint16_t cpu) {
    return TraceEvent{t, object, 0, 0, cpu, Op::Free, 0};
}
TraceEvent page(Op op, std::int64_t t, std::uint64_t object, std::uint16_t cpu, std::uint8_t order) {
    return TraceEvent{t, object, 0, 0, cpu, op, order};
}

}  // namespace

TEST_CASE("ftrace: the three FORMATS.md examples") {
    const std::string examples =
        "<idle>-0     [003] ..s. 312444.111637: kmem_cache_alloc: call_site=__build_skb+0x24/0x60 "
        "ptr=0000000003218205 bytes_req=224 bytes_alloc=256 gfp_flags=GFP_ATOMIC\n"
        "kworker/10:1-440     [010] .....   355.369905: mm_page_free: page=00000000dc8c03bd pfn=0x182190 order=2\n"
        "gnome-terminal-1567  [000]  4415.246506: mm_page_alloc: page=ffffea0003db9f40 pfn=1155800 order=0 "
        "migratetype=0 gfp_flags=GFP_KERNEL\n";
    const Imported r = ft(examples);
    REQUIRE(r.events.size() == 2);
    CHECK(r.events[0] == alloc(0, 0, 224, 3));
    // The page free has no alloc before it; the page alloc is earlier than the first
    // event (the three come from different machines), so its time clamps to 0.
    CHECK(r.events[1] == page(Op::PageAlloc, 0, 1, 0, 0));
    CHECK(r.summary.allocs == 1);
    CHECK(r.summary.page_allocs == 1);
    CHECK(r.summary.skipped_unmatched == 1);
    CHECK(r.summary.cpus == 4);
    CHECK(r.summary.lines == 3);
    CHECK(r.summary.malformed == 0);
    CHECK(r.summary.has_time);

    // With its alloc before it, the second example frees that block.
    const Imported paired = ft(
        "kworker/10:1-440     [010] .....   355.369000: mm_page_alloc: page=00000000dc8c03bd pfn=0x182190 order=2 "
        "migratetype=0 gfp_flags=GFP_KERNEL\n"
        "kworker/10:1-440     [010] .....   355.369905: mm_page_free: page=00000000dc8c03bd pfn=0x182190 order=2\n");
    REQUIRE(paired.events.size() == 2);
    CHECK(paired.events[0] == page(Op::PageAlloc, 0, 0, 10, 2));
    CHECK(paired.events[1] == page(Op::PageFree, 905000, 0, 10, 2));
    CHECK(paired.summary.cpus == 11);
}

TEST_CASE("ftrace: task names may hold spaces, colons, dashes, digits and brackets") {
    const Imported r = ft(
        "     Web Content-4242    [001] ..... 100.000001: kmalloc: ptr=a1 bytes_req=10\n"
        "   kworker/u8:2-123     [002] ..... 100.000002: kmalloc: ptr=a2 bytes_req=20\n"
        "my task: x-1-77 [003] d..1 100.000003: kmalloc: ptr=a3 bytes_req=30\n"
        "           <...>-9       [004] .... 100.000004: kmalloc: ptr=a4 bytes_req=40\n"
        "odd [7]-5 [005] .... 100.000005: kfree: ptr=a1\n"
        "a-1 [2] x-3 [006] .... 100.000006: kfree: ptr=a2\n");
    REQUIRE(r.events.size() == 6);
    CHECK(r.events[0] == alloc(0, 0, 10, 1));
    CHECK(r.events[1] == alloc(1000, 1, 20, 2));
    CHECK(r.events[2] == alloc(2000, 2, 30, 3));
    CHECK(r.events[3] == alloc(3000, 3, 40, 4));
    CHECK(r.events[4] == free_(4000, 0, 5));  // "[7]" belongs to the task name
    CHECK(r.events[5] == free_(5000, 1, 6));  // so does "-1 [2] x"
    CHECK(r.summary.cpus == 7);
}

TEST_CASE("ftrace: new (6.x) and old (3.x) field styles import alike") {
    const Imported fresh = ft(
        "  systemd-journal-312     [000] ..... 312444.112079: kmalloc: call_site=kernfs_fop_open+0x1c2/0x3b0 "
        "ptr=0000000035c9a8c4 bytes_req=24 bytes_alloc=32 gfp_flags=GFP_KERNEL node=-1 accounted=false\n"
        "       jbd2/nvme0n1p2-8   [006] ..... 312444.112220: kmem_cache_alloc: "
        "call_site=jbd2_journal_add_journal_head+0x8c/0x1a0 "
        "ptr=00000000422acab5 bytes_req=120 bytes_alloc=120 gfp_flags=GFP_NOFS|__GFP_NOFAIL node=-1 accounted=true\n"
        "       jbd2/nvme0n1p2-8   [006] ..... 312444.112628: kmem_cache_free: "
        "call_site=jbd2_journal_put_journal_head+0x155/0x1e0 ptr=00000000422acab5 name=jbd2_journal_head\n"
        "  systemd-journal-312     [000] ..... 312444.112940: kfree: call_site=kernfs_fop_release+0x58/0xb0 "
        "ptr=0000000035c9a8c4\n");
    const Imported old = ft(
        "     systemd-journal-312   [000] ....  312444.112079: kmalloc: call_site=ffffffff8113a8e5 "
        "ptr=ffff88003c1a4c00 bytes_req=24 bytes_alloc=32 gfp_flags=GFP_KERNEL\n"
        "      jbd2/sda1-8     [006] ....  312444.112220: kmem_cache_alloc: call_site=ffffffff8124f1b2 "
        "ptr=ffff8800b3c0e0f0 bytes_req=120 bytes_alloc=120 gfp_flags=GFP_NOFS|GFP_NOFAIL\n"
        "      jbd2/sda1-8     [006] ....  312444.112628: kmem_cache_free: call_site=ffffffff8124f3d5 "
        "ptr=ffff8800b3c0e0f0\n"
        "     systemd-journal-312   [000] ....  312444.112940: kfree: call_site=ffffffff811c5a3b "
        "ptr=ffff88003c1a4c00\n");
    const std::vector<TraceEvent> expected{alloc(0, 0, 24, 0), alloc(141000, 1, 120, 6), free_(549000, 1, 6),
                                           free_(861000, 0, 0)};
    CHECK(fresh.events == expected);
    CHECK(old.events == expected);
}

TEST_CASE("ftrace: every kmem allocation and free event, including the _node ones") {
    const Imported r = ft(
        "a-1 [000] .... 1.000000: kmalloc: ptr=10 bytes_req=1\n"
        "a-1 [000] .... 1.000000: kmalloc_node: call_site=ffffffff81490d7e ptr=20 bytes_req=2 bytes_alloc=8 "
        "gfp_flags=GFP_KERNEL|GFP_REPEAT node=-1\n"
        "a-1 [000] .... 1.000000: kmem_cache_alloc: ptr=30 bytes_req=3\n"
        "a-1 [000] .... 1.000000: kmem_cache_alloc_node: call_site=ffffffff81162a6d ptr=40 bytes_req=4 "
        "bytes_alloc=8 gfp_flags=GFP_KERNEL node=1\n"
        "a-1 [000] .... 1.000000: kmem_cache_alloc_lru: ptr=50 bytes_req=5\n"
        "a-1 [000] .... 1.000000: kfree: ptr=10\n"
        "a-1 [000] .... 1.000000: kmem_cache_free: ptr=20\n"
        "a-1 [000] .... 1.000000: kfree: ptr=30\n"
        "a-1 [000] .... 1.000000: kmem_cache_free: ptr=40 name=dentry\n"
        "a-1 [000] .... 1.000000: kmem_cache_free: ptr=50\n");
    REQUIRE(r.events.size() == 10);
    for (std::uint64_t i = 0; i < 5; ++i) {
        CHECK(r.events[i] == alloc(0, i, i + 1, 0));
        CHECK(r.events[5 + i] == free_(0, i, 0));
    }
}

TEST_CASE("ftrace: pfn in hex or decimal is the same page, pages pair by pfn and order") {
    const Imported r = ft(
        "a-1 [001] .... 1.000000: mm_page_alloc: page=0000000011111111 pfn=0x10 order=1 migratetype=0 "
        "gfp_flags=GFP_KERNEL\n"
        "a-1 [001] .... 1.000001: mm_page_free: page=0000000011111111 pfn=16 order=0\n"  // another block
        "a-1 [001] .... 1.000002: mm_page_free: page=0000000011111111 pfn=16 order=1\n"
        "a-1 [002] .... 1.000003: mm_page_alloc: page=ffffea00000fa000 pfn=1000 order=0 migratetype=1 "
        "gfp_flags=GFP_USER\n"
        "a-1 [002] .... 1.000004: mm_page_free_batched: page=ffffea00000fa000 pfn=0x3e8\n"  // always order 0
        "a-1 [002] .... 1.000005: mm_page_alloc: page=0000000011111111 pfn=0x100000 order=20 migratetype=0\n");
    REQUIRE(r.events.size() == 5);
    CHECK(r.events[0] == page(Op::PageAlloc, 0, 0, 1, 1));
    CHECK(r.events[1] == page(Op::PageFree, 2000, 0, 1, 1));
    CHECK(r.events[2] == page(Op::PageAlloc, 3000, 1, 2, 0));
    CHECK(r.events[3] == page(Op::PageFree, 4000, 1, 2, 0));
    CHECK(r.events[4] == page(Op::PageAlloc, 5000, 2, 2, 20));  // the largest order
    CHECK(r.summary.skipped_unmatched == 1);
    CHECK(r.summary.page_allocs == 3);
    CHECK(r.summary.page_frees == 2);
}

TEST_CASE("ftrace: the page free events before 3.3: mm_page_free_direct and mm_pagevec_free") {
    const Imported r = ft(
        "            bash-2351  [001] ....   523.413610: mm_page_alloc: page=ffffea00011ba2c0 pfn=290443 order=1 "
        "migratetype=0 gfp_flags=GFP_KERNEL\n"
        "            bash-2351  [001] ....   523.413611: mm_page_alloc: page=ffffea00011ba300 pfn=290444 order=0 "
        "migratetype=0 gfp_flags=GFP_KERNEL\n"
        "            bash-2351  [001] ....   523.413612: mm_page_free_direct: page=ffffea00011ba2c0 pfn=290443 "
        "order=1\n"
        "            bash-2351  [001] ....   523.413613: mm_pagevec_free: page=ffffea00011ba300 pfn=290444 order=0 "
        "cold=1\n");
    REQUIRE(r.events.size() == 4);
    CHECK(r.events[2] == page(Op::PageFree, 2000, 0, 1, 1));
    CHECK(r.events[3] == page(Op::PageFree, 3000, 1, 1, 0));
}

TEST_CASE("ftrace: the flags column has 4 or 5 characters or is absent, the CPU is kept as printed") {
    // PREEMPT_RT kernels print 7 flags ("d...2..": need-resched-lazy, preempt-lazy-depth).
    const Imported rt = ft("      irq/47-iwlwifi-512   [001] d...2.. 7.000000: kmalloc: ptr=1 bytes_req=8\n");
    REQUIRE(rt.events.size() == 1);
    CHECK(rt.events[0].cpu == 1);
    CHECK(error_of("a-1 [001] d........ 7.000000: kmalloc: ptr=1 bytes_req=8\n") ==
          "t.txt:1: expected [FLAGS] SECONDS.FRACTION: after [CPU]");

    const Imported r = ft(
        "a-1 [000] d..1 7.000000: kmalloc: ptr=1 bytes_req=8\n"
        "a-1 [003] ..... 7.000000: kmalloc: ptr=2 bytes_req=8\n"
        "a-1 [005] ..s. 7.000000: kmalloc: ptr=3 bytes_req=8\n"
        "a-1 [017] 7.000000: kmalloc: ptr=4 bytes_req=8\n"
        "a-1 [1023]   dNh2.     7.000000: kmalloc: ptr=5 bytes_req=8\n"
        "a-1 [65535] .... 7.000000: kmalloc: ptr=6 bytes_req=281474976710656\n");  // both limits
    REQUIRE(r.events.size() == 6);
    CHECK(r.events[0].cpu == 0);
    CHECK(r.events[1].cpu == 3);
    CHECK(r.events[2].cpu == 5);
    CHECK(r.events[3].cpu == 17);
    CHECK(r.events[4].cpu == 1023);
    CHECK(r.events[5] == alloc(0, 5, std::uint64_t{1} << 48, 65535));
    CHECK(r.summary.cpus == 65536);
}

TEST_CASE("ftrace: the (TGID) column of the record-tgid option") {
    const Imported r = ft(
        "            bash-1234    (   1234) [002] .... 5.000000: kmalloc: ptr=1 bytes_req=8\n"
        "          <idle>-0       (-------) [000] ..s. 5.000001: kfree: ptr=1\n"
        "   Web Content-4243 (4242) [001] ..... 5.000002: kmalloc: ptr=2 bytes_req=16\n");
    REQUIRE(r.events.size() == 3);
    CHECK(r.events[0] == alloc(0, 0, 8, 2));
    CHECK(r.events[1] == free_(1000, 0, 0));
    CHECK(r.events[2] == alloc(2000, 1, 16, 1));
}

TEST_CASE("ftrace: headers, comments and blank lines are skipped without counting") {
    const Imported r = ft(
        "# tracer: nop\n"
        "#\n"
        "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n"
        "   # indented comment\n"
        "\n"
        "   \t \n"
        "cpus=4\n"
        "version = 6\n"
        "CPU 3 is empty\n"
        "CPU:2 [LOST 17 EVENTS]\n"
        "CPU:1 [1234 EVENTS DROPPED]\n"
        "##### CPU 1 buffer started ####\n");
    CHECK(r.events.empty());
    CHECK(r.summary.lines == 12);
    CHECK(r.summary.malformed == 0);
    CHECK(r.summary.skipped_unmatched == 0);
    CHECK(r.summary.cpus == 0);
}

TEST_CASE("ftrace: other events and tracers are skipped without counting") {
    const Imported r = ft(
        "          <idle>-0       [001] d..2. 100.000000: sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 "
        "prev_state=R ==> next_comm=bash next_pid=1234 next_prio=120\n"
        "   kworker/u16:3-187     [001] d..1. 100.000001: mm_page_alloc_zone_locked: page=0000000007f0cbd4 "
        "pfn=0x1a2b40 order=0 migratetype=0 percpu_refill=1\n"
        "     ksoftirqd/7-52      [007] ..s.. 100.000002: mm_page_pcpu_drain: page=0000000007bda21c pfn=0x1a2b40 "
        "order=0\n"
        "     Web Content-4242    [005] ..... 100.000003: rss_stat: mm_id=3624366338 curr=1 type=MM_ANONPAGES "
        "size=1232896B\n"
        "            bash-1234    [002] ..... 100.000004: do_sys_openat2 <-__x64_sys_openat\n"
        "            bash-1234    [002] ..... 100.000005: 0xffffffffc0a0b0c0: hello from trace_printk\n"
        "            bash-1234    [002] ..... 100.000006: sched_wakeup: garbage without fields\n");
    CHECK(r.events.empty());
    CHECK(r.summary.malformed == 0);
    CHECK(r.summary.lines == 7);
}

TEST_CASE("ftrace: trace-cmd report: padded event names, the kmem plugin's call site, raw fields") {
    const Imported r = ft(
        "cpus=4\n"
        "             cc1-9877  [002]  4415.246818: kmem_cache_alloc:     (get_empty_filp+0x5c) "
        "call_site=ffffffff819e6024 ptr=0xffff8884daf63b00 bytes_req=256 bytes_alloc=256 gfp_flags=GFP_KERNEL\n"
        "             cc1-9877  [002]  4415.246900: mm_page_alloc:        [FAILED TO PARSE] pfn=1218274 order=0 "
        "gfp_flags=3264 migratetype=0\n"
        "             cc1-9877  [002]  4415.247914: kmem_cache_free:      (file_free_rcu+0x38) "
        "call_site=ffffffff81cad8f6 ptr=ffff8884daf63b00\n");
    REQUIRE(r.events.size() == 3);
    CHECK(r.events[0] == alloc(0, 0, 256, 2));
    CHECK(r.events[1] == page(Op::PageAlloc, 82000, 1, 2, 0));
    CHECK(r.events[2] == free_(1096000, 0, 2));  // 0x-prefixed and bare hex are the same pointer
}

TEST_CASE("ftrace: times are rebased to the first event, in exact nanoseconds") {
    const Imported r = ft(
        "a-1 [000] .... 312444.111637: kmalloc: ptr=1 bytes_req=8\n"
        "a-1 [000] .... 312444.111640: kmalloc: ptr=2 bytes_req=8\n"
        "a-1 [000] .... 312444.1116405: kmalloc: ptr=3 bytes_req=8\n"
        "a-1 [000] .... 312444.111640001: kmalloc: ptr=4 bytes_req=8\n"
        "a-1 [000] .... 312445.1: kmalloc: ptr=5 bytes_req=8\n");
    REQUIRE(r.events.size() == 5);
    CHECK(r.events[0].time_ns == 0);
    CHECK(r.events[1].time_ns == 3000);
    CHECK(r.events[2].time_ns == 3500);
    CHECK(r.events[3].time_ns == 3001);
    CHECK(r.events[4].time_ns == 988363000);

    // The largest time that fits in 64-bit nanoseconds is accepted.
    const Imported edge = ft(
        "a-1 [000] .... 0.000000001: kmalloc: ptr=1 bytes_req=8\n"
        "a-1 [000] .... 9223372036.854775807: kmalloc: ptr=2 bytes_req=8\n");
    REQUIRE(edge.events.size() == 2);
    CHECK(edge.events[1].time_ns == INT64_MAX - 1);
}

TEST_CASE("ftrace: NULL frees are no-ops and failed allocations are skipped") {
    const Imported r = ft(
        // kfree(NULL), 5.4 and later, then before 5.4 ("(null)" padded to 16 columns)
        "a-1 [000] ..... 1.000000: kfree: call_site=kvfree+0x2c/0x40 ptr=0000000000000000\n"
        "a-1 [000] .... 1.000001: kfree: call_site=ffffffff81db153e ptr=          (null)\n"
        "a-1 [000] .... 1.000002: kmem_cache_free: call_site=ffffffff81db153e ptr=(null)\n"
        // a kmalloc that returned NULL
        "a-1 [000] ..... 1.000003: kmalloc: call_site=f+0x1/0x2 ptr=0000000000000000 bytes_req=99999 bytes_alloc=0 "
        "gfp_flags=GFP_KERNEL|__GFP_NOWARN node=-1 accounted=false\n"
        "a-1 [000] .... 1.000004: kmalloc: call_site=ffffffff8113a8e5 ptr=          (null) bytes_req=99999 "
        "bytes_alloc=0 gfp_flags=GFP_KERNEL\n"
        // failed page allocations: new style, old style, raw pfn -1
        "a-1 [000] ..... 1.000005: mm_page_alloc: page=0000000000000000 pfn=0x0 order=9 migratetype=1 "
        "gfp_flags=GFP_TRANSHUGE\n"
        "a-1 [000] .... 1.000006: mm_page_alloc: page=          (null) pfn=0 order=9 migratetype=2 "
        "gfp_flags=GFP_HIGHUSER_MOVABLE|GFP_NOWARN\n"
        "a-1 [000] 1.000007: mm_page_alloc: [FAILED TO PARSE] pfn=18446744073709551615 order=3 gfp_flags=0 "
        "migratetype=0\n"
        "a-1 [000] 1.000008: mm_page_alloc: page=(null) pfn=0xffffffffffffffff order=0\n");
    CHECK(r.events.empty());
    CHECK(r.summary.skipped_unmatched == 0);
    CHECK(r.summary.malformed == 0);
    CHECK(r.summary.lines == 9);
}

TEST_CASE("ftrace: a free of an object allocated before the trace is counted, not an error") {
    const Imported r = ft(
        "a-1 [000] .... 1.000000: kfree: ptr=00000000abcdef01\n"
        "a-1 [000] .... 1.000001: mm_page_free: page=0000000011111111 pfn=0x5 order=0\n"
        "a-1 [001] .... 1.000002: kmalloc: ptr=00000000abcdef01 bytes_req=8\n");
    REQUIRE(r.events.size() == 1);
    CHECK(r.events[0] == alloc(0, 0, 8, 1));
    CHECK(r.summary.skipped_unmatched == 2);
    CHECK(r.summary.frees == 0);
}

TEST_CASE("ftrace: an address reused after its free is a new object") {
    const Imported r = ft(
        "a-1 [000] .... 1.000000: kmalloc: ptr=ffff888100a4c000 bytes_req=8\n"
        "a-1 [000] .... 1.000001: kfree: ptr=ffff888100a4c000\n"
        "a-1 [000] .... 1.000002: kmalloc: ptr=0xffff888100a4c000 bytes_req=16\n"
        "a-1 [000] .... 1.000003: kfree: ptr=0xFFFF888100A4C000\n"
        "a-1 [000] .... 1.000004: kmalloc: ptr=ffff888100a4c000 bytes_req=32\n"
        "a-1 [000] .... 1.000005: kmalloc: ptr=ffff888100a4c000 bytes_req=64\n"  // its free was lost
        "a-1 [000] .... 1.000006: kmalloc: ptr=88 ptr=77 bytes_req=128\n"          // the first ptr= counts
        "a-1 [000] .... 1.000007: kfree: ptr=88\n");
    REQUIRE(r.events.size() == 8);
    CHECK(r.events[0] == alloc(0, 0, 8, 0));
    CHECK(r.events[1] == free_(1000, 0, 0));
    CHECK(r.events[2] == alloc(2000, 1, 16, 0));
    CHECK(r.events[3] == free_(3000, 1, 0));
    CHECK(r.events[4] == alloc(4000, 2, 32, 0));
    CHECK(r.events[5] == alloc(5000, 3, 64, 0));
    CHECK(r.events[6] == alloc(6000, 4, 128, 0));
    CHECK(r.events[7] == free_(7000, 4, 0));
    CHECK(r.summary.replaced_live == 1);
}

TEST_CASE("ftrace: a malformed line is an error naming the file and line, --lenient counts it") {
    const std::string good = "a-1 [000] .... 1.000000: kmalloc: ptr=1 bytes_req=8\n";
    const std::string pre = "bash-1 [000] .... 1.000000: ";
    struct Case {
        std::string line;
        std::string error;
    };
    const Case cases[] = {
        {pre + "kmalloc: call_site=x ptr=ab bytes_alloc=8", "kmalloc: missing bytes_req="},
        {pre + "kmalloc: ptr=ab bytes_req=12x", "kmalloc: bytes_req: '12x' is not a whole number in 0..2^48"},
        {pre + "kmalloc: ptr=ab bytes_req=-1", "kmalloc: bytes_req: '-1' is not a whole number in 0..2^48"},
        {pre + "kmalloc: ptr=ab bytes_req=281474976710657", "kmalloc: bytes_req: '281474976710657' is not a whole number in 0..2^48"},
        {pre + "kmalloc: ptr=(____ptrval____) bytes_req=8", "kmalloc: ptr: '(____ptrval____)' is not a hex number"},
        {pre + "kmalloc: ptr= bytes_req=8", "kmalloc: ptr: '' is not a hex number"},
        {pre + "kmalloc_node: bytes_req=8 node=0", "kmalloc_node: missing ptr="},
        {pre + "kfree: ptr=zz", "kfree: ptr: 'zz' is not a hex number"},
        {pre + "kmem_cache_free: call_site=ffffffff8124f3d5", "kmem_cache_free: missing ptr="},
        {pre + "mm_page_alloc: page=1 pfn=0x10 order=99 migratetype=0",
         "mm_page_alloc: order: '99' is not a whole number in 0..20"},
        {pre + "mm_page_alloc: page=1 pfn=0x10 order=-1", "mm_page_alloc: order: '-1' is not a whole number in 0..20"},
        {pre + "mm_page_free: page=1 pfn=0x10 order=21", "mm_page_free: order: '21' is not a whole number in 0..20"},
        {pre + "kmalloc: ptr=1ffffffffffffffff bytes_req=8", "kmalloc: ptr: '1ffffffffffffffff' is not a hex number"},
        {pre + "mm_page_free: pfn=18446744073709551616 order=0", "mm_page_free: pfn: '18446744073709551616' is not a whole number"},
        {pre + "mm_page_alloc: page=1 order=0", "mm_page_alloc: missing pfn="},
        {pre + "mm_page_alloc: page=xyz pfn=1 order=0", "mm_page_alloc: page: 'xyz' is not a hex number"},
        {pre + "mm_page_free: page=1 pfn=0xgg order=0", "mm_page_free: pfn: '0xgg' is not a whole number"},
        {pre + "mm_page_free: page=1 pfn=1", "mm_page_free: missing order="},
        {pre + "mm_page_free_batched: page=1 pfn=12a", "mm_page_free_batched: pfn: '12a' is not a whole number"},
        {"bash-1 [65536] .... 1.000000: kfree: ptr=1", "CPU: '65536' is not a whole number in 0..65535"},
        {"bash-1 [000] .... 9223372036.854775808: kfree: ptr=1",
         "timestamp '9223372036.854775808' overflows 64-bit nanoseconds"},
        {"bash-1 [000] .... 99999999999999999999999.0: kfree: ptr=1",
         "timestamp '99999999999999999999999.0' overflows 64-bit nanoseconds"},
        {"bash-1 [000] .... 1.0000000001: kfree: ptr=1", "timestamp '1.0000000001' has more than 9 fraction digits"},
        {"bash-1 [000] .... kfree: ptr=1", "expected [FLAGS] SECONDS.FRACTION: after [CPU]"},
        {"bash-1 [000] .... 1234: kfree: ptr=1", "expected [FLAGS] SECONDS.FRACTION: after [CPU]"},
        {"bash-1 [000] .... 1.000000:", "no event name after the timestamp (the line is cut?)"},
        {"hello world", "not an ftrace event line (expected TASK-PID [CPU] FLAGS SECONDS.FRACTION: EVENT: FIELDS)"},
        {"bash [000] .... 1.000000: kfree: ptr=1",
         "not an ftrace event line (expected TASK-PID [CPU] FLAGS SECONDS.FRACTION: EVENT: FIELDS)"},
    };
    std::string all = good;
    for (const Case& c : cases) {
        CAPTURE(c.line);
        CHECK(error_of(good + c.line + "\n" + good) == "t.txt:2: " + c.error);
        all += c.line + "\n" + good;
    }
    // Lenient: each bad line is counted and skipped; the good ones around it import.
    const Imported r = ft(all, true);
    constexpr std::size_t kCases = std::size(cases);
    CHECK(r.summary.malformed == kCases);
    CHECK(r.summary.allocs == kCases + 1);
    CHECK(r.summary.replaced_live == kCases);  // the good line allocates ptr=1 again each time
    CHECK(r.summary.lines == 2 * kCases + 1);
}

TEST_CASE("ftrace: an empty file is an error, a capture without kmem events is not") {
    CHECK(error_of("") == "t.txt: empty file (expected the text of tracing/trace or trace-cmd report)");
    CHECK_THROWS_AS(ft("", true), TraceError);
    const Imported headers_only = ft("# tracer: nop\n#\n");
    CHECK(headers_only.events.empty());
    CHECK(headers_only.summary.lines == 2);
}

TEST_CASE("ftrace: an overlong line or a NUL byte is an error, even with --lenient") {
    const std::string good = "a-1 [000] .... 1.000000: kmalloc: ptr=1 bytes_req=8\n";
    const std::string overlong = good + "a-1 [000] .... 1.000000: kfree: ptr=" + std::string(70000, '1') + "\n";
    CHECK(error_of(overlong) == "t.txt:2: line longer than 65536 bytes");
    CHECK_THROWS_AS(ft(overlong, true), TraceError);
    const std::string binary = good + std::string("a-1 [000] \0\x01\x02", 13) + "\n";
    CHECK(error_of(binary) == "t.txt:2: NUL byte: this is not a text file");
    CHECK_THROWS_AS(ft(binary, true), TraceError);
}

TEST_CASE("ftrace: CRLF line ends import like LF") {
    const std::string lf = read_sample("kernel-6x.txt");
    std::string crlf;
    for (const char c : lf) {
        if (c == '\n') crlf += '\r';
        crlf += c;
    }
    const Imported a = ft(lf);
    const Imported b = ft(crlf);
    CHECK(b.events.size() == 56);
    CHECK(a.events == b.events);
    CHECK(b.summary.lines == a.summary.lines);
    CHECK(b.summary.malformed == 0);
}

TEST_CASE("ftrace: the sample files import to their exact summaries") {
    struct Expected {
        const char* file;
        std::uint64_t lines, events, allocs, frees, page_allocs, page_frees;
        std::uint32_t cpus;
        std::int64_t last_time_ns;
    };
    const Expected samples[] = {
        {"kernel-6x.txt", 74, 56, 26, 22, 4, 4, 8, 1787000},
        {"trace-cmd-report.txt", 51, 47, 18, 16, 7, 6, 3, 2097000},
        {"old-kernel.txt", 60, 45, 18, 15, 6, 6, 2, 2193000},
    };
    for (const Expected& x : samples) {
        CAPTURE(x.file);
        const Imported r = import_text(import_ftrace, read_sample(x.file), false, x.file);
        CHECK(r.summary.lines == x.lines);
        CHECK(r.summary.events == x.events);
        CHECK(r.summary.allocs == x.allocs);
        CHECK(r.summary.frees == x.frees);
        CHECK(r.summary.page_allocs == x.page_allocs);
        CHECK(r.summary.page_frees == x.page_frees);
        CHECK(r.summary.cpus == x.cpus);
        CHECK(r.summary.reallocs == 0);
        CHECK(r.summary.skipped_unmatched == 0);
        CHECK(r.summary.replaced_live == 0);
        CHECK(r.summary.malformed == 0);
        CHECK(r.summary.has_time);
        REQUIRE(r.events.size() == x.events);
        CHECK(r.events.front().time_ns == 0);
        CHECK(r.events.back().time_ns == x.last_time_ns);
    }
}
