#include "kernel/cpu_exceptions.h"

#include <cstddef>
#include <cstdint>

#include "kernel/console.h"

namespace allocsim::kernel {

namespace {

// What exception_common (kernel/boot/exception_stubs.S) leaves on the stack.
struct ExceptionFrame {
    std::uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    std::uint64_t vector, error;
    std::uint64_t rip, cs, rflags, rsp, ss;  // pushed by the CPU
};

struct [[gnu::packed]] IdtGate {
    std::uint16_t offset_low;
    std::uint16_t selector;
    std::uint8_t ist;
    std::uint8_t type;  // 0x8E: present, ring 0, 64-bit interrupt gate
    std::uint16_t offset_mid;
    std::uint32_t offset_high;
    std::uint32_t reserved;
};
static_assert(sizeof(IdtGate) == 16);

struct [[gnu::packed]] IdtPointer {
    std::uint16_t limit;
    std::uint64_t base;
};

constexpr std::uint16_t kCodeSelector = 0x08;  // the GDT's 64-bit code segment (multiboot_entry.S)

IdtGate g_idt[32];

const char* exception_name(std::uint64_t vector) {
    static const char* const kNames[32] = {
        "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range", "invalid opcode",
        "device not available", "double fault", "coprocessor segment overrun", "invalid TSS",
        "segment not present", "stack fault", "general protection", "page fault", "reserved",
        "x87 floating point", "alignment check", "machine check", "SIMD floating point", "virtualization",
        "control protection", "reserved", "reserved", "reserved", "reserved", "reserved", "reserved",
        "hypervisor injection", "VMM communication", "security", "reserved"};
    return vector < 32 ? kNames[vector] : "unknown";
}

void print_hex(std::uint64_t value) {
    static const char kDigits[] = "0123456789abcdef";
    char text[19] = "0x";
    for (int i = 0; i < 16; ++i) text[2 + i] = kDigits[(value >> (60 - 4 * i)) & 0xF];
    text[18] = '\0';
    print(text);
}

void print_register(const char* name, std::uint64_t value) {
    print(" ");
    print(name);
    print("=");
    print_hex(value);
}

}  // namespace

extern "C" [[noreturn]] void cpu_exception(const ExceptionFrame* f) {
    std::uint64_t cr2;
    asm volatile("mov %%cr2, %0" : "=r"(cr2));
    print("CPU exception ");
    print(f->vector);
    print(" (");
    print(exception_name(f->vector));
    print("), error code ");
    print_hex(f->error);
    const struct {
        const char* name;
        std::uint64_t value;
    } registers[] = {{"rip", f->rip}, {"cs", f->cs},   {"rflags", f->rflags}, {"rsp", f->rsp}, {"cr2", cr2},
                     {"rax", f->rax}, {"rbx", f->rbx}, {"rcx", f->rcx},       {"rdx", f->rdx}, {"rsi", f->rsi},
                     {"rdi", f->rdi}, {"rbp", f->rbp}, {"r8", f->r8},         {"r9", f->r9},   {"r10", f->r10},
                     {"r11", f->r11}, {"r12", f->r12}, {"r13", f->r13},       {"r14", f->r14}, {"r15", f->r15}};
    for (std::size_t i = 0; i < sizeof registers / sizeof registers[0]; ++i) {
        print(i % 5 == 0 ? "\n " : "");
        print_register(registers[i].name, registers[i].value);
    }
    print("\n");
    fail(Failure::CpuException);
}

extern "C" const std::uint64_t exception_stubs[32];

void install_exception_handlers() {
    for (int v = 0; v < 32; ++v) {
        const std::uint64_t at = exception_stubs[v];
        g_idt[v] = IdtGate{static_cast<std::uint16_t>(at), kCodeSelector, 0, 0x8E,
                           static_cast<std::uint16_t>(at >> 16), static_cast<std::uint32_t>(at >> 32), 0};
    }
    load_exception_handlers();
}

void load_exception_handlers() {
    const IdtPointer pointer{sizeof g_idt - 1, reinterpret_cast<std::uint64_t>(&g_idt)};
    asm volatile("lidt %0" : : "m"(pointer));
}

}  // namespace allocsim::kernel
