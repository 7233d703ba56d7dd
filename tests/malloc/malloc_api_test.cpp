// The malloc API of liballocsim-malloc.so, run with it preloaded (test_malloc.sh):
// each case is a subcommand, so that a case that aborts (an invalid free) is checked
// from outside. Exit 0: passed; a failed check prints its line and exits 1.
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <new>
#include <string>
#include <thread>
#include <vector>

extern "C" void* __libc_malloc(size_t);

namespace {

int g_failures = 0;
#define CHECK(cond)                                                           \
    do {                                                                      \
        if (!(cond)) {                                                        \
            std::fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
            ++g_failures;                                                     \
        }                                                                     \
    } while (0)

// The library says whether it owns a pointer (an export for tests): proof that the
// allocation went through it, not glibc.
bool ours(const void* p) {
    using Owns = int (*)(const void*);
    static Owns owns = reinterpret_cast<Owns>(dlsym(RTLD_DEFAULT, "allocsim_malloc_owns"));
    return owns != nullptr && owns(p) != 0;
}

bool aligned(const void* p, size_t a) { return reinterpret_cast<uintptr_t>(p) % a == 0; }

// Sizes and pointers the compiler must not see through (it warns at what these
// tests do on purpose: sizes past SIZE_MAX, a realloc that fails, a foreign free).
volatile size_t g_half = SIZE_MAX / 2;
volatile size_t g_quarter = SIZE_MAX / 4;

void c_api() {
    void* z1 = malloc(0);
    void* z2 = malloc(0);
    CHECK(z1 != nullptr && z2 != nullptr && z1 != z2);  // malloc(0): unique objects
    CHECK(ours(z1));
    free(z1);
    free(z2);
    free(nullptr);
    // Every object 16-byte aligned (max_align_t), as glibc's.
    std::vector<void*> small;
    for (size_t size = 1; size <= 600; ++size) {
        small.push_back(malloc(size));
        CHECK(aligned(small.back(), 16));
    }
    for (void* p : small) free(p);

    auto* c = static_cast<unsigned char*>(calloc(1000, 7));
    CHECK(c != nullptr && ours(c));
    bool zero = true;
    for (int i = 0; i < 7000; ++i) zero = zero && c[i] == 0;
    CHECK(zero);
    free(c);
    errno = 0;
    CHECK(calloc(g_half, 3) == nullptr);  // n * size overflows
    CHECK(errno == ENOMEM);
    errno = 0;
    CHECK(malloc(g_half) == nullptr);
    CHECK(errno == ENOMEM);

    // realloc: contents kept growing and shrinking, across classes and into page runs.
    auto* r = static_cast<unsigned char*>(malloc(24));
    for (int i = 0; i < 24; ++i) r[i] = static_cast<unsigned char>(i);
    for (size_t size : {40u, 100u, 5000u, 300000u, 3000000u, 64u, 20u}) {
        r = static_cast<unsigned char*>(realloc(r, size));
        CHECK(r != nullptr && ours(r));
        bool kept = true;
        for (int i = 0; i < 20; ++i) kept = kept && r[i] == i;
        CHECK(kept);
        CHECK(malloc_usable_size(r) >= size);
    }
    CHECK(realloc(r, 0) == nullptr);  // glibc's: frees, returns null
    // Shrinking into a class below 16 bytes keeps the bytes that fit (the heap's mark
    // in a free object's second word must not touch them).
    auto* s = static_cast<unsigned char*>(malloc(200));
    for (int i = 0; i < 200; ++i) s[i] = static_cast<unsigned char>(i + 1);
    size_t valid = 200;  // the bytes realloc must have kept so far
    for (size_t size : {12u, 9u, 15u, 3u}) {
        s = static_cast<unsigned char*>(realloc(s, size));
        valid = valid < size ? valid : size;
        bool kept = true;
        for (size_t i = 0; i < valid; ++i) kept = kept && s[i] == i + 1;
        CHECK(kept);
    }
    free(s);
    // A pointer glibc made (allocated before the library took over): handled by glibc.
    void* g = __libc_malloc(100);
    CHECK(g != nullptr && !ours(g));
    CHECK(malloc_usable_size(g) >= 100);
    g = realloc(g, 5000);
    CHECK(g != nullptr);
    free(g);
    void* fresh = realloc(nullptr, 33);
    CHECK(fresh != nullptr && ours(fresh));
    void* volatile kept = fresh;
    errno = 0;
    CHECK(realloc(fresh, g_half) == nullptr);  // fails, the old block stays
    CHECK(errno == ENOMEM);
    static_cast<char*>(kept)[32] = 1;
    free(kept);
    errno = 0;
    CHECK(reallocarray(nullptr, g_quarter, 8) == nullptr);
    CHECK(errno == ENOMEM);
    void* ra = reallocarray(nullptr, 10, 10);
    CHECK(ra != nullptr && malloc_usable_size(ra) >= 100);
    free(ra);

    void* a = nullptr;
    CHECK(posix_memalign(&a, 3, 10) == EINVAL);
    CHECK(posix_memalign(&a, 4, 10) == EINVAL);  // not a multiple of sizeof(void*)
    CHECK(posix_memalign(&a, 64, g_half) == ENOMEM);
    for (size_t align : {8u, 16u, 64u, 256u, 4096u, 65536u}) {
        CHECK(posix_memalign(&a, align, 100) == 0);
        CHECK(a != nullptr && aligned(a, align) && ours(a));
        free(a);
        void* b = aligned_alloc(align, align * 3);
        CHECK(b != nullptr && aligned(b, align));
        free(b);
        void* m = memalign(align, 17);
        CHECK(m != nullptr && aligned(m, align));
        free(m);
    }
    errno = 0;
    CHECK(aligned_alloc(48, 96) == nullptr && errno == EINVAL);
    const long page = sysconf(_SC_PAGESIZE);
    void* v = valloc(10);
    CHECK(v != nullptr && aligned(v, static_cast<size_t>(page)));
    free(v);
    void* pv = pvalloc(page + 1);
    CHECK(pv != nullptr && aligned(pv, static_cast<size_t>(page)) && malloc_usable_size(pv) >= static_cast<size_t>(2 * page));
    free(pv);
    CHECK(malloc_usable_size(nullptr) == 0);
}

struct alignas(128) Wide {
    char bytes[300];
};

void cxx_api() {
    int* i = new int(5);
    CHECK(ours(i));
    delete i;  // sized delete, with -fsized-deallocation
    int* arr = new int[1000];
    CHECK(ours(arr));
    delete[] arr;
    Wide* w = new Wide;
    CHECK(ours(w) && aligned(w, 128));
    delete w;
    Wide* ws = new Wide[5];
    CHECK(aligned(ws, 128));
    delete[] ws;
    void* nt = ::operator new(64, std::nothrow);
    CHECK(nt != nullptr && ours(nt));
    ::operator delete(nt, std::nothrow);
    void* al = ::operator new(100, std::align_val_t(512));
    CHECK(aligned(al, 512));
    ::operator delete(al, std::align_val_t(512));
    void* al2 = ::operator new(100, std::align_val_t(512));
    ::operator delete(al2, 100, std::align_val_t(512));
    CHECK(::operator new(g_half, std::nothrow) == nullptr);
    bool thrown = false;
    try {
        void* huge = ::operator new(g_half);
        ::operator delete(huge);
    } catch (const std::bad_alloc&) {
        thrown = true;
    }
    CHECK(thrown);
    std::vector<std::string> strings;
    for (int k = 0; k < 10000; ++k) strings.push_back(std::string(static_cast<size_t>(k % 300), 'x'));
    CHECK(strings[299].size() == 299);
}

// Far more threads than slots, objects freed by other threads than their makers, and
// every thread's exit giving its slot back.
void threads() {
    constexpr int kThreads = 200;
    std::vector<std::atomic<void*>> handoff(kThreads);
    for (auto& h : handoff) h.store(nullptr);
    std::atomic<int> ok{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < kThreads; ++t) {
        ts.emplace_back([&, t] {
            std::vector<void*> mine;
            for (int k = 0; k < 2000; ++k) {
                void* p = malloc(static_cast<size_t>(16 + (k * 37 + t) % 2000));
                if (p == nullptr || !ours(p)) return;
                memset(p, t & 0xFF, 16);
                mine.push_back(p);
                if (k % 3 == 0) {
                    free(mine.back());
                    mine.pop_back();
                }
            }
            handoff[t].store(mine.back());
            mine.pop_back();
            for (void* p : mine) free(p);
            // Free a neighbour's object, when it has one ready.
            void* theirs = handoff[(t + 1) % kThreads].exchange(nullptr);
            if (theirs != nullptr) free(theirs);
            ok.fetch_add(1);
        });
        if (t % 50 == 49) {  // some exit while others start: slots come back
            for (auto& th : ts) th.join();
            ts.clear();
        }
    }
    for (auto& th : ts) th.join();
    for (auto& h : handoff)
        if (void* p = h.exchange(nullptr)) free(p);
    CHECK(ok.load() == kThreads);
    using InUse = unsigned (*)();
    auto in_use = reinterpret_cast<InUse>(dlsym(RTLD_DEFAULT, "allocsim_malloc_slots_in_use"));
    CHECK(in_use != nullptr && in_use() <= 1);  // only the main thread's is taken
}

// fork() while other threads allocate: the child allocates, frees and exits cleanly.
void fork_with_threads() {
    std::atomic<bool> stop{false};
    std::vector<std::thread> busy;
    for (int t = 0; t < 3; ++t)
        busy.emplace_back([&] {
            while (!stop.load()) {
                void* p = malloc(300000);  // page runs: the buddy's locks
                void* q = malloc(40);
                free(p);
                free(q);
            }
        });
    int clean = 0;
    for (int round = 0; round < 20; ++round) {
        const pid_t pid = fork();
        if (pid == 0) {
            std::vector<void*> v;
            for (int k = 0; k < 10000; ++k) v.push_back(malloc(static_cast<size_t>(8 + k % 5000)));
            for (void* p : v) free(p);
            std::thread inner([] { free(malloc(100)); });
            inner.join();
            _exit(ours(v.empty() ? nullptr : v[0]) ? 0 : 3);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        clean += WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    stop.store(true);
    for (auto& t : busy) t.join();
    CHECK(clean == 20);
}

// 8 GiB live at once (the heap takes on its reservation as it runs out), in blocks of
// 1 MiB and as one run, never touched: the machine needs the address space, not RAM.
void big() {
    constexpr size_t kBlock = 1 << 20, kBlocks = 8192;  // 8 GiB
    std::vector<void*> v;
    for (size_t i = 0; i < kBlocks; ++i) {
        void* p = malloc(kBlock);
        if (p == nullptr) break;
        v.push_back(p);
    }
    CHECK(v.size() == kBlocks);
    std::vector<uintptr_t> sorted;
    for (void* p : v) sorted.push_back(reinterpret_cast<uintptr_t>(p));
    std::sort(sorted.begin(), sorted.end());
    bool apart = true;
    for (size_t i = 1; i < sorted.size(); ++i) apart = apart && sorted[i] - sorted[i - 1] >= kBlock;
    CHECK(apart);
    CHECK(ours(v.front()) && ours(v.back()));
    static_cast<char*>(v.back())[kBlock - 1] = 1;  // the last one's last byte is there
    for (void* p : v) free(p);
    void* run = malloc(kBlocks * kBlock);  // one 8 GiB run, reusing what came back
    CHECK(run != nullptr && ours(run));
    if (run != nullptr) static_cast<char*>(run)[kBlocks * kBlock - 1] = 2;
    free(run);
}

// Resident set size, from /proc/self/statm.
size_t rss_bytes() {
    FILE* f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;
    if (f != nullptr) {
        if (fscanf(f, "%lu %lu", &size, &resident) != 2) resident = 0;
        fclose(f);
    }
    return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// Free max-order blocks go back to the system, a second after the last release: 256
// MiB touched, freed, then a free a second later gives it back (all but a few blocks).
void release() {
    constexpr size_t kBlock = 1 << 20, kBlocks = 256;
    std::vector<void*> v;
    for (size_t i = 0; i < kBlocks; ++i) {
        v.push_back(malloc(kBlock));
        memset(v.back(), 7, kBlock);
    }
    const size_t touched = rss_bytes();
    for (void* p : v) free(p);
    usleep(1'100'000);
    void* volatile block = malloc(kBlock);  // volatile: the compiler may not drop the pair
    free(block);                            // a block back to the buddy: the release is due
    const size_t after = rss_bytes();
    std::fprintf(stderr, "rss %zu MiB touched, %zu MiB after the release\n", touched >> 20, after >> 20);
    CHECK(touched > (200u << 20));
    CHECK(after + (200u << 20) < touched);
    // What was released reads as zero and can be used again.
    void* again = malloc(kBlock);
    CHECK(again != nullptr && ours(again));
    memset(again, 1, kBlock);
    free(again);
}

// A second free of the same object: the abort's one line.
[[noreturn]] void double_free() {
    void* p = malloc(40);
    void* volatile q = p;
    free(p);
    free(q);
    _exit(0);  // not reached
}

// A pointer inside the heap's region that is no object: the abort's one line.
[[noreturn]] void invalid_free() {
    const auto p = reinterpret_cast<uintptr_t>(malloc(64));
    volatile uintptr_t far = p + 64 * 1024 * 1024;  // far into the region, in no run
    free(reinterpret_cast<void*>(far));
    _exit(0);                     // not reached
}

}  // namespace

int main(int argc, char** argv) {
    const std::string what = argc > 1 ? argv[1] : "";
    if (what == "c") c_api();
    else if (what == "cxx") cxx_api();
    else if (what == "threads") threads();
    else if (what == "fork") fork_with_threads();
    else if (what == "invalid-free") invalid_free();
    else if (what == "double-free") double_free();
    else if (what == "big") big();
    else if (what == "release") release();
    else {
        std::fprintf(stderr, "usage: malloc_api_test c|cxx|threads|fork|invalid-free|double-free|big|release\n");
        return 2;
    }
    CHECK(!ours(&what));  // the stack is not the heap
    return g_failures == 0 ? 0 : 1;
}
