// The program that tests/recorder/test_record.sh records: kThreads threads each run
// N rounds (argv[1], default 100) of an exactly known mix of allocator calls, so the
// recorded counts can be checked to the event. Per thread and round:
//   allocs 9:   malloc(24), calloc(10, 8), realloc(NULL, 16), posix_memalign(64, 200),
//               aligned_alloc(4096, 8192), memalign(32, 100), valloc(1000),
//               pvalloc(5000) (8192 bytes), malloc(777) (kept for the failed realloc)
//   reallocs 3: 16 -> 64 -> 256 -> reallocarray 2 x 2048
//   frees 9:    one per allocation, the realloc chain's by realloc(p, 0)
//   failed reallocs 1: realloc(p, huge) fails and p stays allocated
//   and free(NULL), which is not an event.
// The sizes are unusual enough that the test can find these calls among the C and
// C++ runtimes' own. It prints nothing: its output would mix with allocsim's.
#include <malloc.h>
#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <thread>
#include <vector>

namespace {

constexpr int kThreads = 4;

// Keeps the compiler from pairing and removing a malloc and its free.
void* use(void* p) {
    asm volatile("" : : "r"(p) : "memory");
    return p;
}

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "recorded_program: %s failed\n", what);
        std::exit(2);
    }
}

void round_of_calls() {
    free(use(malloc(24)));
    free(use(calloc(10, 8)));

    void* r = use(realloc(nullptr, 16));
    r = use(realloc(r, 64));
    r = use(realloc(r, 256));
    r = use(reallocarray(r, 2, 2048));
    check(r != nullptr, "the realloc chain");
    check(realloc(r, 0) == nullptr, "realloc(p, 0)");  // glibc frees p and returns NULL

    void* a = nullptr;
    check(posix_memalign(&a, 64, 200) == 0, "posix_memalign");
    free(use(a));
    free(use(aligned_alloc(4096, 8192)));
    free(use(memalign(32, 100)));
    free(use(valloc(1000)));
    free(use(pvalloc(5000)));

    void* kept = use(malloc(777));
    volatile std::size_t huge = SIZE_MAX / 2;  // volatile: no warning about the size
    // Through use(): the compiler cannot tell that the failed realloc left `kept` valid.
    check(realloc(use(kept), huge) == nullptr, "the failing realloc");
    free(kept);

    free(use(nullptr));
}

}  // namespace

int main(int argc, char** argv) {
    const long rounds = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 100;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([rounds] {
            for (long i = 0; i < rounds; ++i) round_of_calls();
        });
    for (std::thread& t : threads) t.join();
    return 0;
}
