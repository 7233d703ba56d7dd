// The symbols a program's allocations go through, when liballocsim-malloc.so is
// preloaded: C's malloc family, glibc's extras, and C++'s operators new and delete
// in every form. Each is a thin call into ProcessHeap (process_heap.h); the errors
// are glibc's (errno ENOMEM and null on failure, EINVAL for a bad alignment).
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <new>

#include "malloc/cpu_slots.h"
#include "malloc/process_heap.h"

using allocsim::malloc_lib::ProcessHeap;

#define ALLOCSIM_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

bool power_of_two(size_t a) { return a != 0 && (a & (a - 1)) == 0; }

size_t page_size() {
    static size_t page = 0;
    if (page == 0) page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    return page;
}

}  // namespace

ALLOCSIM_EXPORT void* malloc(size_t size) { return ProcessHeap::allocate(size); }

ALLOCSIM_EXPORT void free(void* p) { ProcessHeap::free(p); }

ALLOCSIM_EXPORT void* calloc(size_t n, size_t size) {
    size_t bytes = 0;
    if (__builtin_mul_overflow(n, size, &bytes)) {
        errno = ENOMEM;
        return nullptr;
    }
    void* p = ProcessHeap::allocate(bytes);
    if (p != nullptr) memset(p, 0, bytes);
    return p;
}

ALLOCSIM_EXPORT void* realloc(void* p, size_t size) { return ProcessHeap::reallocate(p, size); }

ALLOCSIM_EXPORT void* reallocarray(void* p, size_t n, size_t size) {
    size_t bytes = 0;
    if (__builtin_mul_overflow(n, size, &bytes)) {
        errno = ENOMEM;
        return nullptr;
    }
    return ProcessHeap::reallocate(p, bytes);
}

ALLOCSIM_EXPORT int posix_memalign(void** out, size_t align, size_t size) {
    if (!power_of_two(align) || align % sizeof(void*) != 0) return EINVAL;
    const int saved = errno;
    void* p = ProcessHeap::allocate_aligned(size, align);
    errno = saved;  // posix_memalign reports by its result, errno untouched
    if (p == nullptr) return ENOMEM;
    *out = p;
    return 0;
}

ALLOCSIM_EXPORT void* aligned_alloc(size_t align, size_t size) {
    if (!power_of_two(align)) {
        errno = EINVAL;
        return nullptr;
    }
    return ProcessHeap::allocate_aligned(size, align);
}

ALLOCSIM_EXPORT void* memalign(size_t align, size_t size) {
    if (!power_of_two(align)) {
        errno = EINVAL;
        return nullptr;
    }
    return ProcessHeap::allocate_aligned(size, align);
}

ALLOCSIM_EXPORT void* valloc(size_t size) { return ProcessHeap::allocate_aligned(size, page_size()); }

ALLOCSIM_EXPORT void* pvalloc(size_t size) {
    const size_t page = page_size();
    size_t rounded = 0;
    if (__builtin_add_overflow(size, page - 1, &rounded)) {
        errno = ENOMEM;
        return nullptr;
    }
    rounded &= ~(page - 1);
    return ProcessHeap::allocate_aligned(rounded == 0 ? page : rounded, page);
}

ALLOCSIM_EXPORT size_t malloc_usable_size(void* p) { return ProcessHeap::usable_size(p); }

// --- C++ ---------------------------------------------------------------------------
//
// A failed operator new throws std::bad_alloc, which lives in libstdc++: a C++ program
// has it loaded, and this library does not link it (a C program would load it for
// nothing), so it is found when needed. new_handler is not called.

namespace {

[[noreturn]] void throw_bad_alloc() {
    using Thrower = void (*)();
    static Thrower thrower = nullptr;
    if (thrower == nullptr) {
        // RTLD_DEFAULT: libstdc++'s, in the program.
        thrower = reinterpret_cast<Thrower>(dlsym(RTLD_DEFAULT, "_ZSt17__throw_bad_allocv"));
    }
    if (thrower != nullptr) thrower();
    allocsim::malloc_lib::die("operator new: out of memory, and no std::bad_alloc to throw", nullptr);
}

void* new_or_throw(size_t size) {
    void* p = ProcessHeap::allocate(size);
    if (p == nullptr) [[unlikely]] throw_bad_alloc();
    return p;
}

void* new_aligned_or_throw(size_t size, std::align_val_t align) {
    void* p = ProcessHeap::allocate_aligned(size, static_cast<size_t>(align));
    if (p == nullptr) [[unlikely]] throw_bad_alloc();
    return p;
}

}  // namespace

#define ALLOCSIM_CXX_EXPORT __attribute__((visibility("default")))

ALLOCSIM_CXX_EXPORT void* operator new(size_t size) { return new_or_throw(size); }
ALLOCSIM_CXX_EXPORT void* operator new[](size_t size) { return new_or_throw(size); }
ALLOCSIM_CXX_EXPORT void* operator new(size_t size, const std::nothrow_t&) noexcept { return ProcessHeap::allocate(size); }
ALLOCSIM_CXX_EXPORT void* operator new[](size_t size, const std::nothrow_t&) noexcept { return ProcessHeap::allocate(size); }
ALLOCSIM_CXX_EXPORT void* operator new(size_t size, std::align_val_t a) { return new_aligned_or_throw(size, a); }
ALLOCSIM_CXX_EXPORT void* operator new[](size_t size, std::align_val_t a) { return new_aligned_or_throw(size, a); }
ALLOCSIM_CXX_EXPORT void* operator new(size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
    return ProcessHeap::allocate_aligned(size, static_cast<size_t>(a));
}
ALLOCSIM_CXX_EXPORT void* operator new[](size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
    return ProcessHeap::allocate_aligned(size, static_cast<size_t>(a));
}

ALLOCSIM_CXX_EXPORT void operator delete(void* p) noexcept { ProcessHeap::free(p); }
ALLOCSIM_CXX_EXPORT void operator delete[](void* p) noexcept { ProcessHeap::free(p); }
ALLOCSIM_CXX_EXPORT void operator delete(void* p, const std::nothrow_t&) noexcept { ProcessHeap::free(p); }
ALLOCSIM_CXX_EXPORT void operator delete[](void* p, const std::nothrow_t&) noexcept { ProcessHeap::free(p); }
// Sized: the size the object was made with, so the core's sized free path applies.
ALLOCSIM_CXX_EXPORT void operator delete(void* p, size_t size) noexcept { ProcessHeap::free_sized(p, size); }
ALLOCSIM_CXX_EXPORT void operator delete[](void* p, size_t size) noexcept { ProcessHeap::free_sized(p, size); }
ALLOCSIM_CXX_EXPORT void operator delete(void* p, std::align_val_t) noexcept {
    ProcessHeap::free(p);  // unsized: the core looks the object up
}
ALLOCSIM_CXX_EXPORT void operator delete[](void* p, std::align_val_t) noexcept {
    ProcessHeap::free(p);  // unsized: the core looks the object up
}
ALLOCSIM_CXX_EXPORT void operator delete(void* p, size_t size, std::align_val_t a) noexcept {
    ProcessHeap::free_aligned(p, size, static_cast<size_t>(a));
}
ALLOCSIM_CXX_EXPORT void operator delete[](void* p, size_t size, std::align_val_t a) noexcept {
    ProcessHeap::free_aligned(p, size, static_cast<size_t>(a));
}
ALLOCSIM_CXX_EXPORT void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
    ProcessHeap::free(p);  // unsized: the core looks the object up
}
ALLOCSIM_CXX_EXPORT void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
    ProcessHeap::free(p);  // unsized: the core looks the object up
}

// --- for tests and tools -----------------------------------------------------------

// Whether p is in the heap's region: that an allocation went through this library.
ALLOCSIM_EXPORT int allocsim_malloc_owns(const void* p) { return ProcessHeap::owns(p) ? 1 : 0; }

// Owned CPU slots taken by live threads (cpu_slots.h).
ALLOCSIM_EXPORT unsigned allocsim_malloc_slots_in_use() { return allocsim::malloc_lib::CpuSlots::owned_in_use(); }
