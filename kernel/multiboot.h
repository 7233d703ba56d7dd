// What the multiboot 1 loader (QEMU's -kernel) hands the kernel: the memory size,
// the command line (-append) and the modules (-initrd). Everything it points to is
// below 4 GiB, which the entry identity-maps.
#pragma once

#include <cstdint>

namespace allocsim::kernel {

inline constexpr std::uint32_t kMultibootMagic = 0x2BADB002;

struct MultibootInfo {
    std::uint32_t flags;        // bit 0: mem_*; bit 2: cmdline; bit 3: mods_*
    std::uint32_t mem_lower;    // KiB below 1 MiB
    std::uint32_t mem_upper;    // KiB above 1 MiB
    std::uint32_t boot_device;
    std::uint32_t cmdline;      // physical address of a NUL-terminated string
    std::uint32_t mods_count;
    std::uint32_t mods_addr;    // physical address of mods_count MultibootModule
};

struct MultibootModule {
    std::uint32_t start, end;   // [start, end) physical
    std::uint32_t string;
    std::uint32_t reserved;
};

inline const MultibootInfo* multiboot_info(std::uint32_t address) {
    return reinterpret_cast<const MultibootInfo*>(static_cast<std::uintptr_t>(address));
}

// QEMU's -append text, or "" without one.
inline const char* command_line(const MultibootInfo* mb) {
    if (mb == nullptr || (mb->flags & 4u) == 0 || mb->cmdline == 0) return "";
    return reinterpret_cast<const char*>(static_cast<std::uintptr_t>(mb->cmdline));
}

// The first module (the first -initrd file), or nullptr.
inline const MultibootModule* first_module(const MultibootInfo* mb) {
    if (mb == nullptr || (mb->flags & 8u) == 0 || mb->mods_count == 0) return nullptr;
    return reinterpret_cast<const MultibootModule*>(static_cast<std::uintptr_t>(mb->mods_addr));
}

// The end of usable memory (mem_upper counts KiB from 1 MiB), 0 if not given.
inline std::uint64_t memory_end(const MultibootInfo* mb) {
    if (mb == nullptr || (mb->flags & 1u) == 0) return 0;
    return (std::uint64_t{1} << 20) + std::uint64_t{mb->mem_upper} * 1024;
}

// Whether `text` holds `word` as a whole space-separated word.
inline bool has_word(const char* text, const char* word) {
    for (const char* p = text; *p != '\0';) {
        while (*p == ' ') ++p;
        const char* w = word;
        const char* q = p;
        while (*w != '\0' && *q == *w) ++q, ++w;
        if (*w == '\0' && (*q == ' ' || *q == '\0')) return true;
        while (*p != ' ' && *p != '\0') ++p;
    }
    return false;
}

// The number after `key` (as in "cpus=4") in a space-separated word, or `fallback`.
inline std::uint64_t word_value(const char* text, const char* key, std::uint64_t fallback) {
    for (const char* p = text; *p != '\0';) {
        while (*p == ' ') ++p;
        const char* k = key;
        const char* q = p;
        while (*k != '\0' && *q == *k) ++q, ++k;
        if (*k == '\0' && *q >= '0' && *q <= '9') {
            std::uint64_t v = 0;
            while (*q >= '0' && *q <= '9') v = v * 10 + static_cast<std::uint64_t>(*q++ - '0');
            if (*q == ' ' || *q == '\0') return v;
        }
        while (*p != ' ' && *p != '\0') ++p;
    }
    return fallback;
}

}  // namespace allocsim::kernel
