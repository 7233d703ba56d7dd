// The four functions GCC may emit calls to even with -ffreestanding (struct copies,
// zeroing). A kernel has no libc, so it brings them; the freestanding proof
// (tests/freestanding) links these too.
#include <cstddef>

// Keeps GCC from recognizing each loop as the function itself and calling it.
#define ALLOCSIM_NO_LOOP_TO_CALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

extern "C" ALLOCSIM_NO_LOOP_TO_CALL void* memcpy(void* d, const void* s, std::size_t n) {
    auto* dp = static_cast<unsigned char*>(d);
    auto* sp = static_cast<const unsigned char*>(s);
    while (n--) *dp++ = *sp++;
    return d;
}

extern "C" ALLOCSIM_NO_LOOP_TO_CALL void* memmove(void* d, const void* s, std::size_t n) {
    auto* dp = static_cast<unsigned char*>(d);
    auto* sp = static_cast<const unsigned char*>(s);
    if (dp < sp) {
        while (n--) *dp++ = *sp++;
    } else {
        while (n--) dp[n] = sp[n];
    }
    return d;
}

extern "C" ALLOCSIM_NO_LOOP_TO_CALL void* memset(void* d, int c, std::size_t n) {
    auto* dp = static_cast<unsigned char*>(d);
    while (n--) *dp++ = static_cast<unsigned char>(c);
    return d;
}

extern "C" ALLOCSIM_NO_LOOP_TO_CALL int memcmp(const void* a, const void* b, std::size_t n) {
    auto* ap = static_cast<const unsigned char*>(a);
    auto* bp = static_cast<const unsigned char*>(b);
    for (; n--; ++ap, ++bp)
        if (*ap != *bp) return *ap < *bp ? -1 : 1;
    return 0;
}
