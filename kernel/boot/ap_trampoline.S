# The application processors' way into the kernel (kernel/smp.cpp).
#
# ap_trampoline_start..ap_trampoline_end is a blob that start_cpus() copies to the
# fixed address AP_TRAMPOLINE_BASE below 1 MiB; the startup IPI's vector is that
# address >> 12, so each AP starts there in real mode with CS = 0x0800, IP = 0. The
# blob is assembled for that address (ABS() below), not position-independent; the
# one field patched after the copy is ap_trampoline_cr3.
#
# Why 0x8000 is free: after the kernel is running, low memory holds the real-mode IVT
# and BIOS data area (0x0-0x4ff), QEMU's multiboot e820 map and information
# structure (hw/i386/multiboot.c, MULTIBOOT_STRUCT_ADDR: 0x9000, the info structure at
# 0x9500) and the EBDA and BIOS areas from 0x9fc00 up. QEMU puts the command line and
# the boot loader's name right after the kernel image (above 1 MiB), not here, and the
# kernel runs on its own stack. So [0x8000, 0x9000) is unused; the blob is well under
# 4 KiB (kernel/link.ld checks), so it ends before the multiboot structures begin.
#
# Each AP: real mode -> 32-bit protected mode (temporary GDT in the blob) -> PAE,
# the BSP's CR3, EFER.LME, paging -> 64-bit mode -> ap_start64 in the kernel image,
# which takes the stack of its APIC id, loads the kernel's own GDT and calls
# smp_ap_main().
    .set AP_TRAMPOLINE_BASE, 0x8000
    .global ap_trampoline_base
    .set ap_trampoline_base, AP_TRAMPOLINE_BASE

#define ABS(label) (AP_TRAMPOLINE_BASE + (label) - ap_trampoline_start)

    # Only copied, never run in place.
    .section .rodata.ap_trampoline, "a"
    .balign 16
    .global ap_trampoline_start, ap_trampoline_end, ap_trampoline_cr3
    .code16
ap_trampoline_start:
    cli
    cld
    xor %ax, %ax
    mov %ax, %ds
    lgdtl ABS(tramp_gdt_ptr)
    mov %cr0, %eax
    and $0x9FFFFFFF, %eax      # clear CD and NW (set by INIT), as on the BSP
    or $1, %eax                # PE
    mov %eax, %cr0
    ljmpl $0x18, $ABS(tramp_pm32)

    .code32
tramp_pm32:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %cr4, %eax
    or $0x20, %eax             # PAE
    mov %eax, %cr4
    mov ABS(ap_trampoline_cr3), %eax
    mov %eax, %cr3
    mov $0xC0000080, %ecx
    rdmsr
    or $0x100, %eax            # LME
    wrmsr
    mov %cr0, %eax
    or $0x80000000, %eax       # PG
    mov %eax, %cr0
    ljmp $0x08, $ABS(tramp_lm64)

    .code64
tramp_lm64:
    mov $ap_start64, %rax      # in the kernel image, linked below 2 GiB
    jmp *%rax

    .balign 8
tramp_gdt:                     # the accessed bits are preset: no CPU writes here
    .quad 0
    .quad 0x00AF9B000000FFFF   # 0x08: 64-bit code (the kernel's GDT has the same)
    .quad 0x00CF93000000FFFF   # 0x10: data
    .quad 0x00CF9B000000FFFF   # 0x18: 32-bit code, for the step through protected mode
tramp_gdt_ptr:
    .word tramp_gdt_ptr - tramp_gdt - 1
    .long ABS(tramp_gdt)
    .balign 4
ap_trampoline_cr3:             # patched by start_cpus(): the BSP's CR3 (below 4 GiB)
    .long 0
ap_trampoline_end:
    # kernel/link.ld checks that the blob fits in [0x8000, 0x9000).

# In the kernel image. ap_boot is a struct ApBoot in kernel/smp.cpp; the offsets below
# are static_assert'ed there.
    .set APBOOT_GDTR, 0
    .set APBOOT_STACKS, 16
    .set APBOOT_STACK_SIZE, 24
    .set APBOOT_STACK_COUNT, 32

    .section .text
ap_start64:
    mov $1, %eax                       # first a stack, chosen by the initial APIC id
    cpuid
    shr $24, %ebx                      # EBX[31:24]: the id; the BSP's is 0
    jz 2f
    cmp ap_boot + APBOOT_STACK_COUNT(%rip), %ebx
    ja 2f                              # no stack for this id: it stays halted
    mov ap_boot + APBOOT_STACK_SIZE(%rip), %rsp
    imul %rbx, %rsp                    # id * size: the top of stack id - 1
    add ap_boot + APBOOT_STACKS(%rip), %rsp
    lgdt ap_boot + APBOOT_GDTR(%rip)   # the kernel's GDT, as sgdt saw it on the BSP
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    pushq $0x08
    lea 1f(%rip), %rax
    pushq %rax
    lretq                              # CS from the kernel's GDT
1:  xor %ebp, %ebp
    call smp_ap_main                   # never returns
2:  cli
    hlt
    jmp 2b

    .section .note.GNU-stack, "", @progbits
