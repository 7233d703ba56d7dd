// Text out of the kernel: QEMU's debug console (-debugcon stdio) prints every byte
// written to port 0xE9, with no device to set up. Exit through isa-debug-exit.
#pragma once

#include <cstdint>

namespace allocsim::kernel {

inline void outb(std::uint16_t port, std::uint8_t value) { asm volatile("outb %0, %1" : : "a"(value), "Nd"(port)); }
inline void outl(std::uint16_t port, std::uint32_t value) { asm volatile("outl %0, %1" : : "a"(value), "Nd"(port)); }

inline void print(const char* text) {
    while (*text) outb(0xE9, static_cast<std::uint8_t>(*text++));
}

inline void print(std::uint64_t value) {
    char digits[21];
    int i = 20;
    digits[i] = '\0';
    do {
        digits[--i] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    print(digits + i);
}

// Raw bytes, as fast as the port allows: one REP OUTSB, which QEMU's debugcon
// takes as a string I/O rather than one exit per byte.
inline void write_bytes(const void* data, std::uint64_t bytes) {
    const void* p = data;
    std::uint64_t n = bytes;
    asm volatile("cld\n\trep outsb" : "+S"(p), "+c"(n) : "d"(std::uint16_t{0xE9}) : "memory");
}

// QEMU's isa-debug-exit (iobase 0xf4) ends the emulator with status (code << 1) | 1,
// so no kernel can fake a 0. kExitSuccess (status 33) is the one success; every
// other status is a failure, and a QEMU that ends any other way (killed on a
// timeout, a triple fault with -no-reboot) never gives 33 either.
inline constexpr std::uint32_t kExitSuccess = 0x10;
enum class Failure : std::uint32_t {
    BadBoot = 1,       // status 3
    CoreInit = 2,      // status 5
    CoreCheck = 3,     // status 7
    Assert = 4,        // status 9
    CpuException = 5,  // status 11
    SmpStart = 6,      // status 13: fewer CPUs came up than asked for
    BadPlan = 7,       // status 15: the module is not a measure plan, or does not fit in memory
};

[[noreturn]] inline void qemu_exit(std::uint32_t code) {
    outl(0xF4, code);
    for (;;) asm volatile("cli; hlt");
}
[[noreturn]] inline void fail(Failure why) { qemu_exit(static_cast<std::uint32_t>(why)); }

}  // namespace allocsim::kernel
