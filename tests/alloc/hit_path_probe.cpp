// Functions whose machine code is the hit path, for the golden test that pins its
// instruction count (tests/alloc/check_hit_path.cmake, tests/alloc/hit_path.golden).
// Built with -O2 and the NullObserver, as a kernel or the benchmarks would.
#include "alloc/hybrid_allocator.h"
#include "alloc/platform/host/host_platform.h"

using namespace allocsim;
using Allocator = HybridAllocator<NullObserver, HostPlatform>;

// The bin operations alone: what a caller that already holds its CPU's bin for a
// known class runs (a kmem_cache_alloc, in Linux terms).
extern "C" void* probe_cache_pop(Bin& bin) { return bin.pop(); }
extern "C" bool probe_cache_push(Bin& bin, void* p) { return bin.push(p); }

// The whole hit path from a byte size (a kmalloc): class lookup, then the bin, then
// the free class hint's one store.
extern "C" void* probe_allocate(Allocator& a, CpuId cpu, std::size_t size) { return a.allocate(cpu, size); }
extern "C" void probe_deallocate_sized(Allocator& a, CpuId cpu, void* p, std::size_t size) {
    a.deallocate(cpu, p, size);
}
// Free without size: the descriptor lookup, the boundary check, then the bin. The
// first return is the path where the free class hint (free_class_hint.h) is right.
extern "C" void probe_deallocate(Allocator& a, CpuId cpu, void* p) { a.deallocate(cpu, p); }
