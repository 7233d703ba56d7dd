// ProcessHeap: the one allocator core a process's malloc serves from.
//
// It is made on the first call (malloc may be called before any constructor of this
// library has run, by another library's constructor or by the loader), in static
// storage, over one region reserved with mmap(MAP_NORESERVE): the pages cost memory
// only once touched. Its size is the `region` setting (default 1 GiB for now; the
// buddy's descriptors, 0.8% of it, are written at start: docs/DESIGN.md, "The core
// as a process's malloc").
//
// Configuration: ALLOCSIM_SET="key=value,key=value" with the keys of `allocsim
// replay --set` that shape the core (cache.capacity, refill.batch, drain.batch,
// buddy.max_order, buddy.lock, slab.tail_permille, region). A bad one is a one-line
// message and exit status 1 at the first allocation: a mistyped setting must not
// silently measure the default.
//
// Pointers it does not own (allocated before it took over, by glibc's own malloc)
// go back to glibc (__libc_free, __libc_realloc); a pointer inside its region that is
// not an object it handed out is an invalid free: a one-line message and abort(), as
// glibc's "free(): invalid pointer".
#pragma once

#include <cstddef>
#include <cstdint>

namespace allocsim::malloc_lib {

class ProcessHeap {
public:
    static void* allocate(std::size_t size);
    static void* allocate_aligned(std::size_t size, std::size_t align);
    static void free(void* p);
    static void free_sized(void* p, std::size_t size);
    static void free_aligned(void* p, std::size_t size, std::size_t align);
    static void* reallocate(void* p, std::size_t size);
    static std::size_t usable_size(const void* p);
    static bool owns(const void* p);

    // A thread that exits: its slot's cache drains into the slabs (cpu_slots.h).
    static void drain_slot(std::uint32_t slot);
};

// Writes "allocsim-malloc: WHAT PTR" (or WHAT alone if PTR is null) on stderr with
// write(2), no allocation, then abort().
[[noreturn]] void die(const char* what, const void* p);

}  // namespace allocsim::malloc_lib
