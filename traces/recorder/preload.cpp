// liballocsim_preload.so: the LD_PRELOAD interposer of `allocsim record`. It wraps
// malloc, calloc, realloc, reallocarray, free, posix_memalign, aligned_alloc,
// memalign, valloc and pvalloc, and logs every call to ALLOCSIM_RECORD_FILE in the
// format of traces/record_format.h.
//
// Order. Each logged call runs as one step under g_lock: take the lock, call the
// real function, append the record, release. So the log's order is the order in
// which the real allocator saw the calls: a free always follows the allocation that
// returned its pointer, and an allocation reusing an address follows the free that
// released it. (A global sequence number without the lock cannot order a realloc:
// its free half needs a number taken before the real call, its allocation half one
// taken after.) The price is that the program's allocator calls are serialized.
//
// Which process. With ALLOCSIM_RECORD_PID set (allocsim record sets it), only the
// process of that pid records: the recorded program, and whatever image it becomes
// if it exec()s without forking (the new image restarts the file: the old image's
// buffered records died with it, and its pointers mean nothing to the new one).
// Children inherit LD_PRELOAD but do not record: a forked child stops recording at
// once and drops the parent's buffered records, and an exec'd child has another pid.
// Without ALLOCSIM_RECORD_PID every process records, and "%p" in the file name
// expands to the pid so that each gets its own file.
//
// Bootstrap. dlsym may call calloc or malloc before the real functions are known;
// calls nested inside a hook (dlsym's, the real allocator's, fork's) pass straight
// through, and while the real functions are unknown they are served from a static
// buffer whose blocks are never given to the real free or realloc.
//
// Constraints: no allocation, no exceptions, no libstdc++; the buffer is static and
// is written out with write(2) when full, when it holds records older than 0.1 s,
// and at exit. Records still buffered when the process dies without exit() (_exit,
// a fatal signal: Ctrl-C kills python3 with a re-raised SIGINT) are lost, at most
// the calls of the last 0.1 s: the file then holds a prefix of the log, which is
// still consistent.
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>

#include "traces/record_format.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the record file is little-endian and written as is");

#define ALLOCSIM_EXPORT extern "C" __attribute__((visibility("default")))
// Static TLS: the library is loaded at startup, and a TLS access must not allocate.
#define ALLOCSIM_TLS __attribute__((tls_model("initial-exec"))) thread_local

namespace {

using allocsim::record::Kind;
using allocsim::record::Record;

void complain(const char* what) {
    static const char kPrefix[] = "allocsim_preload: ";
    ssize_t ignored = write(STDERR_FILENO, kPrefix, sizeof kPrefix - 1);
    ignored = write(STDERR_FILENO, what, strlen(what));
    ignored = write(STDERR_FILENO, "\n", 1);
    (void)ignored;
}

// --- the real functions ---------------------------------------------------------

struct RealFunctions {
    void* (*malloc)(size_t);
    void* (*calloc)(size_t, size_t);
    void* (*realloc)(void*, size_t);
    void* (*reallocarray)(void*, size_t, size_t);
    void (*free)(void*);
    int (*posix_memalign)(void**, size_t, size_t);
    void* (*aligned_alloc)(size_t, size_t);
    void* (*memalign)(size_t, size_t);
    void* (*valloc)(size_t);
    void* (*pvalloc)(size_t);
};
// Written once by initialize(), before g_initialized is set; read by other threads
// only after they saw g_initialized, and by the initializing thread's nested calls.
RealFunctions g_real;
std::atomic<bool> g_initialized{false};
pthread_mutex_t g_init_lock = PTHREAD_MUTEX_INITIALIZER;

template <class F>
void resolve(F& f, const char* name) {
    void* symbol = dlsym(RTLD_NEXT, name);
    if (symbol == nullptr) {
        complain("the real allocator function cannot be found:");
        complain(name);
        abort();
    }
    static_assert(sizeof f == sizeof symbol);
    memcpy(&f, &symbol, sizeof f);
}

// --- per thread -------------------------------------------------------------------

// True while this thread runs a hook: a call made from inside it (by dlsym, by the
// real allocator, by fork) passes straight through, unlogged and without g_lock.
ALLOCSIM_TLS bool t_in_hook = false;
ALLOCSIM_TLS std::uint32_t t_tid = 0;

std::uint32_t current_tid() {
    if (t_tid == 0) t_tid = static_cast<std::uint32_t>(syscall(SYS_gettid));
    return t_tid;
}

// --- the bootstrap buffer ---------------------------------------------------------

// Serves the allocations made while the real functions are unknown (dlsym's). Bump
// allocation, never reused, so its memory is still zero for calloc. Each block is
// preceded by its size, for realloc.
constexpr size_t kBootstrapBytes = 64 * 1024;
constexpr size_t kBootstrapHeader = 16;
alignas(64) unsigned char g_bootstrap[kBootstrapBytes];
std::atomic<size_t> g_bootstrap_used{0};

bool is_bootstrap(const void* p) {
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    const auto base = reinterpret_cast<std::uintptr_t>(g_bootstrap);
    return a >= base && a < base + kBootstrapBytes;
}

size_t bootstrap_size(const void* p) {
    size_t size;
    memcpy(&size, static_cast<const unsigned char*>(p) - kBootstrapHeader, sizeof size);
    return size;
}

// REQUIRES: alignment is a power of two.
void* bootstrap_alloc(size_t size, size_t alignment) {
    if (alignment < kBootstrapHeader) alignment = kBootstrapHeader;
    size_t used = g_bootstrap_used.load(std::memory_order_relaxed);
    size_t start;
    do {
        start = (used + kBootstrapHeader + alignment - 1) & ~(alignment - 1);
        if (start > kBootstrapBytes || size > kBootstrapBytes - start) {
            errno = ENOMEM;
            return nullptr;
        }
    } while (!g_bootstrap_used.compare_exchange_weak(used, start + size, std::memory_order_relaxed));
    memcpy(g_bootstrap + start - kBootstrapHeader, &size, sizeof size);
    return g_bootstrap + start;
}

// --- the log ----------------------------------------------------------------------

// g_lock makes each logged call one step (see the top of the file) and guards the
// buffer and the file. g_recording changes only under g_lock; read without it, it
// is a hint that saves the lock when nothing is recorded.
pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
std::atomic<bool> g_recording{false};
int g_fd = -1;
constexpr size_t kBufferRecords = 64 * 1024;  // 3 MiB, written with one write(2)
// Bounds what a fatal signal loses, for 10 small writes a second at most.
constexpr std::int64_t kFlushIntervalNs = 100'000'000;
Record g_buffer[kBufferRecords];
size_t g_buffered = 0;
std::int64_t g_flushed_ns = 0;  // when the buffer was last empty, or recording began

bool write_all(int fd, const void* data, size_t bytes) {
    const auto* p = static_cast<const unsigned char*>(data);
    while (bytes > 0) {
        const ssize_t n = write(fd, p, bytes);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        bytes -= static_cast<size_t>(n);
    }
    return true;
}

// REQUIRES: g_lock held.
void stop_recording() {
    g_recording.store(false, std::memory_order_relaxed);
    g_buffered = 0;
    if (g_fd >= 0) close(g_fd);
    g_fd = -1;
}

std::int64_t now_ns() {
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

// REQUIRES: g_lock held and recording.
void flush() {
    const int saved_errno = errno;
    if (!write_all(g_fd, g_buffer, g_buffered * sizeof(Record))) {
        complain("cannot write the record file; recording stops here");
        stop_recording();
    }
    g_buffered = 0;
    errno = saved_errno;  // the program sees the errno of its own call
}

// REQUIRES: g_lock held and recording.
void append(Kind kind, const void* ptr, const void* old_ptr, size_t size, size_t alignment) {
    Record& r = g_buffer[g_buffered++];
    r.time_ns = now_ns();
    r.ptr = reinterpret_cast<std::uintptr_t>(ptr);
    r.old_ptr = reinterpret_cast<std::uintptr_t>(old_ptr);
    r.size = size;
    r.alignment = alignment;
    r.tid = current_tid();
    r.kind = static_cast<std::uint16_t>(kind);
    r.reserved = 0;
    if (g_buffered == kBufferRecords || r.time_ns - g_flushed_ns >= kFlushIntervalNs) {
        flush();
        g_flushed_ns = r.time_ns;
    }
}

// Holds g_lock for the scope if recording: the real call made inside the scope and
// its record are then one step.
class LogScope {
public:
    LogScope() : locked_(g_recording.load(std::memory_order_relaxed)) {
        if (locked_) pthread_mutex_lock(&g_lock);
    }
    ~LogScope() {
        if (locked_) pthread_mutex_unlock(&g_lock);
    }
    LogScope(const LogScope&) = delete;
    LogScope& operator=(const LogScope&) = delete;

    // Checked under the lock: recording may have stopped while this thread waited.
    bool recording() const { return locked_ && g_recording.load(std::memory_order_relaxed); }

private:
    bool locked_;
};

// --- fork -------------------------------------------------------------------------

// The forking thread holds g_lock across fork(), so the child's copy of the buffer
// is not half-written and its g_lock is held by a thread that exists in the child.
void before_fork() {
    t_in_hook = true;  // fork's own allocations, and later prepare handlers', pass through
    pthread_mutex_lock(&g_lock);
}

void after_fork_in_parent() {
    pthread_mutex_unlock(&g_lock);
    t_in_hook = false;
}

// The child neither records nor writes the parent's buffered records.
void after_fork_in_child() {
    if (g_recording.load(std::memory_order_relaxed)) stop_recording();
    t_tid = 0;
    pthread_mutex_unlock(&g_lock);
    t_in_hook = false;
}

// --- starting -----------------------------------------------------------------------

// The decimal value of `text`, or -1 if it is not a plain number.
long parse_pid(const char* text) {
    long value = 0;
    if (*text == '\0') return -1;
    for (; *text != '\0'; ++text) {
        if (*text < '0' || *text > '9' || value > 100'000'000) return -1;
        value = value * 10 + (*text - '0');
    }
    return value;
}

// Copies `path` to `out` with each "%p" replaced by `pid`. False if it does not fit.
bool expand_path(const char* path, long pid, char (&out)[PATH_MAX]) {
    char digits[24];
    size_t n_digits = 0;
    do {
        digits[n_digits++] = static_cast<char>('0' + pid % 10);
        pid /= 10;
    } while (pid > 0);
    size_t n = 0;
    for (const char* c = path; *c != '\0'; ++c) {
        if (c[0] == '%' && c[1] == 'p') {
            for (size_t i = n_digits; i > 0; --i) {
                if (n + 1 >= PATH_MAX) return false;
                out[n++] = digits[i - 1];
            }
            ++c;
        } else {
            if (n + 1 >= PATH_MAX) return false;
            out[n++] = *c;
        }
    }
    out[n] = '\0';
    return true;
}

// Opens the record file if this process is the one to record. REQUIRES: t_in_hook.
void start_recording() {
    const char* path = getenv("ALLOCSIM_RECORD_FILE");
    if (path == nullptr || *path == '\0') return;
    const long pid = getpid();
    const char* wanted = getenv("ALLOCSIM_RECORD_PID");
    if (wanted != nullptr && parse_pid(wanted) != pid) return;  // a child of the recorded program
    char expanded[PATH_MAX];
    if (!expand_path(path, pid, expanded)) {
        complain("ALLOCSIM_RECORD_FILE is too long; not recording");
        return;
    }
    const int fd = open(expanded, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        complain("cannot create the record file (ALLOCSIM_RECORD_FILE); not recording");
        return;
    }
    allocsim::record::FileHeader header;
    memcpy(header.magic, allocsim::record::kMagic, sizeof header.magic);
    header.version = allocsim::record::kVersion;
    header.record_bytes = sizeof(Record);
    if (!write_all(fd, &header, sizeof header)) {
        complain("cannot write the record file; not recording");
        close(fd);
        return;
    }
    pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
    pthread_mutex_lock(&g_lock);
    g_fd = fd;
    g_flushed_ns = now_ns();
    g_recording.store(true, std::memory_order_relaxed);
    pthread_mutex_unlock(&g_lock);
}

// REQUIRES: t_in_hook, so that dlsym's allocations go to the bootstrap buffer.
void initialize() {
    pthread_mutex_lock(&g_init_lock);
    if (!g_initialized.load(std::memory_order_relaxed)) {
        resolve(g_real.malloc, "malloc");
        resolve(g_real.calloc, "calloc");
        resolve(g_real.realloc, "realloc");
        resolve(g_real.reallocarray, "reallocarray");
        resolve(g_real.free, "free");
        resolve(g_real.posix_memalign, "posix_memalign");
        resolve(g_real.aligned_alloc, "aligned_alloc");
        resolve(g_real.memalign, "memalign");
        resolve(g_real.valloc, "valloc");
        resolve(g_real.pvalloc, "pvalloc");
        start_recording();
        g_initialized.store(true, std::memory_order_release);
    }
    pthread_mutex_unlock(&g_init_lock);
}

// Marks this thread as inside a hook for the scope, and makes sure the real
// functions are known. REQUIRES: !t_in_hook.
class HookScope {
public:
    HookScope() {
        t_in_hook = true;
        if (!g_initialized.load(std::memory_order_acquire)) initialize();
    }
    ~HookScope() { t_in_hook = false; }
    HookScope(const HookScope&) = delete;
    HookScope& operator=(const HookScope&) = delete;
};

__attribute__((constructor)) void on_load() {
    if (t_in_hook) return;
    const HookScope scope;  // opens the record file even if the program never allocates
}

// exit() runs this after the program's atexit handlers. Later calls are not logged.
__attribute__((destructor)) void on_unload() {
    pthread_mutex_lock(&g_lock);
    if (g_recording.load(std::memory_order_relaxed)) {
        flush();
        if (g_recording.load(std::memory_order_relaxed)) stop_recording();
    }
    pthread_mutex_unlock(&g_lock);
}

// --- nested calls -------------------------------------------------------------------

// The calls made from inside a hook: to the real functions once they are known,
// else to the bootstrap buffer.
namespace nested {

void* allocate(size_t size, size_t alignment) {
    if (alignment <= alignof(max_align_t)) {
        if (g_real.malloc != nullptr) return g_real.malloc(size);
    } else if (g_real.memalign != nullptr) {
        return g_real.memalign(alignment, size);
    }
    return bootstrap_alloc(size, alignment);
}

void* calloc(size_t n, size_t m) {
    if (g_real.calloc != nullptr) return g_real.calloc(n, m);
    size_t bytes;
    if (__builtin_mul_overflow(n, m, &bytes)) {
        errno = ENOMEM;
        return nullptr;
    }
    return bootstrap_alloc(bytes, 1);
}

void free(void* p) {
    if (p != nullptr && !is_bootstrap(p) && g_real.free != nullptr) g_real.free(p);
}

void* realloc(void* p, size_t size) {
    if (p != nullptr && !is_bootstrap(p) && g_real.realloc != nullptr) return g_real.realloc(p, size);
    void* q = allocate(size, 1);
    if (q != nullptr && p != nullptr) {
        const size_t old = is_bootstrap(p) ? bootstrap_size(p) : 0;
        memcpy(q, p, old < size ? old : size);
    }
    return q;
}

}  // namespace nested

// A bootstrap block given back to realloc by the program: it moves to real memory.
// To the log this is an allocation (old_ptr 0): the block itself was never logged.
void* realloc_bootstrap(Kind kind, void* p, size_t size) {
    if (size == 0) return nullptr;  // realloc(p, 0) frees: bootstrap blocks need nothing
    const LogScope log;
    void* q = g_real.malloc(size);
    if (q == nullptr) return nullptr;
    const size_t old = bootstrap_size(p);
    memcpy(q, p, old < size ? old : size);
    if (log.recording()) append(kind, q, nullptr, size, 0);
    return q;
}

// The alignment that memalign and aligned_alloc actually give: the request rounded
// up to a power of two (glibc rounds rather than fails).
size_t obtained_alignment(size_t requested) {
    constexpr size_t kTop = size_t{1} << (sizeof(size_t) * 8 - 1);
    if (requested > kTop) return kTop;
    size_t a = 1;
    while (a < requested) a <<= 1;
    return a;
}

size_t page_size() { return static_cast<size_t>(getpagesize()); }

}  // namespace

// --- the interposed functions -------------------------------------------------------

ALLOCSIM_EXPORT void* malloc(size_t size) noexcept {
    if (t_in_hook) return nested::allocate(size, 1);
    const HookScope hook;
    const LogScope log;
    void* p = g_real.malloc(size);
    if (p != nullptr && log.recording()) append(Kind::Malloc, p, nullptr, size, 0);
    return p;
}

ALLOCSIM_EXPORT void* calloc(size_t n, size_t m) noexcept {
    if (t_in_hook) return nested::calloc(n, m);
    const HookScope hook;
    const LogScope log;
    void* p = g_real.calloc(n, m);
    // n * m cannot overflow: calloc succeeded.
    if (p != nullptr && log.recording()) append(Kind::Calloc, p, nullptr, n * m, 0);
    return p;
}

ALLOCSIM_EXPORT void free(void* p) noexcept {
    if (t_in_hook) return nested::free(p);
    if (p == nullptr || is_bootstrap(p)) return;  // bootstrap blocks never reach the real free
    const HookScope hook;
    const LogScope log;
    g_real.free(p);
    if (log.recording()) append(Kind::Free, nullptr, p, 0, 0);
}

ALLOCSIM_EXPORT void* realloc(void* p, size_t size) noexcept {
    if (t_in_hook) return nested::realloc(p, size);
    const HookScope hook;
    if (is_bootstrap(p)) return realloc_bootstrap(Kind::Realloc, p, size);
    const LogScope log;
    void* q = g_real.realloc(p, size);
    // Logged even when it fails: the importer counts failed reallocs.
    if (log.recording()) append(Kind::Realloc, q, p, size, 0);
    return q;
}

ALLOCSIM_EXPORT void* reallocarray(void* p, size_t n, size_t m) noexcept {
    size_t size;
    if (__builtin_mul_overflow(n, m, &size)) size = SIZE_MAX;  // the real call fails
    if (t_in_hook) return nested::realloc(p, size);
    const HookScope hook;
    if (is_bootstrap(p)) {
        if (size == SIZE_MAX) {
            errno = ENOMEM;
            return nullptr;
        }
        return realloc_bootstrap(Kind::Reallocarray, p, size);
    }
    const LogScope log;
    void* q = g_real.reallocarray(p, n, m);
    if (log.recording()) append(Kind::Reallocarray, q, p, size, 0);
    return q;
}

ALLOCSIM_EXPORT int posix_memalign(void** out, size_t alignment, size_t size) noexcept {
    if (t_in_hook) {
        if (g_real.posix_memalign != nullptr) return g_real.posix_memalign(out, alignment, size);
        *out = bootstrap_alloc(size, obtained_alignment(alignment));
        return *out != nullptr ? 0 : ENOMEM;
    }
    const HookScope hook;
    const LogScope log;
    const int rc = g_real.posix_memalign(out, alignment, size);
    // On success the alignment was a valid power of two.
    if (rc == 0 && log.recording()) append(Kind::PosixMemalign, *out, nullptr, size, alignment);
    return rc;
}

ALLOCSIM_EXPORT void* aligned_alloc(size_t alignment, size_t size) noexcept {
    if (t_in_hook) return nested::allocate(size, obtained_alignment(alignment));
    const HookScope hook;
    const LogScope log;
    void* p = g_real.aligned_alloc(alignment, size);
    if (p != nullptr && log.recording()) append(Kind::AlignedAlloc, p, nullptr, size, obtained_alignment(alignment));
    return p;
}

ALLOCSIM_EXPORT void* memalign(size_t alignment, size_t size) noexcept {
    if (t_in_hook) return nested::allocate(size, obtained_alignment(alignment));
    const HookScope hook;
    const LogScope log;
    void* p = g_real.memalign(alignment, size);
    if (p != nullptr && log.recording()) append(Kind::Memalign, p, nullptr, size, obtained_alignment(alignment));
    return p;
}

ALLOCSIM_EXPORT void* valloc(size_t size) noexcept {
    if (t_in_hook) return nested::allocate(size, page_size());
    const HookScope hook;
    const LogScope log;
    void* p = g_real.valloc(size);
    if (p != nullptr && log.recording()) append(Kind::Valloc, p, nullptr, size, page_size());
    return p;
}

ALLOCSIM_EXPORT void* pvalloc(size_t size) noexcept {
    const size_t page = page_size();
    if (t_in_hook) return nested::allocate(size, page);
    const HookScope hook;
    const LogScope log;
    void* p = g_real.pvalloc(size);
    // Success means the rounded size did not overflow.
    if (p != nullptr && log.recording()) append(Kind::Pvalloc, p, nullptr, (size + page - 1) & ~(page - 1), page);
    return p;
}
