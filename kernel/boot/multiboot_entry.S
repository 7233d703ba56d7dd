# The kernel's entry: QEMU's -kernel loader (multiboot 1) jumps to _start32 in 32-bit
# protected mode with paging off. We identity-map the first 4 GiB with 2 MiB pages
# (the kernel, its region and the local APIC all live there), enter long mode and
# call kernel_main(magic, info) on a 64 KiB stack.
#
# QEMU loads a multiboot 1 image only as 32-bit ELF or with the header's address
# fields: flags 0x00010003 (page-align, memory info, address fields) and an objcopy
# to elf32-i386 of the 64-bit link (kernel/CMakeLists.txt). See docs/KERNEL.md.
    .set MB_MAGIC, 0x1BADB002
    .set MB_FLAGS, 0x00010003
    .section .multiboot, "a"
    .align 4
mb_header:
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)
    .long mb_header          # header_addr
    .long __load_start       # load_addr
    .long __load_end         # load_end_addr
    .long __bss_end          # bss_end_addr
    .long _start32           # entry_addr (the loader does not read the ELF's)

    .section .bss
    .align 4096
pml4: .skip 4096
pdpt: .skip 4096
pd:   .skip 4096 * 4
stack_bottom: .skip 65536
stack_top:

    .section .rodata
    .align 8
gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF   # 64-bit code
    .quad 0x00CF92000000FFFF   # data
gdt_end:
gdt_ptr:
    .word gdt_end - gdt - 1
    .long gdt

    .section .text
    .code32
    .global _start32
_start32:
    cli
    mov %eax, %edi             # multiboot magic: kernel_main's first argument
    mov %ebx, %esi             # multiboot info: its second
    # PML4[0] -> PDPT, PDPT[0..3] -> 4 PDs of 512 2 MiB pages: identity map of 4 GiB
    mov $pdpt, %eax
    or $3, %eax
    mov %eax, pml4
    mov $0, %ecx
1:  mov $pd, %eax
    mov %ecx, %edx
    shl $12, %edx
    add %edx, %eax
    or $3, %eax
    mov %eax, pdpt(,%ecx,8)
    inc %ecx
    cmp $4, %ecx
    jne 1b
    mov $0, %ecx
2:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax
    mov %eax, pd(,%ecx,8)
    mov %ecx, %eax
    shr $11, %eax
    mov %eax, pd+4(,%ecx,8)
    inc %ecx
    cmp $2048, %ecx
    jne 2b
    mov $pml4, %eax
    mov %eax, %cr3
    mov %cr4, %eax
    or $0x20, %eax             # PAE
    mov %eax, %cr4
    mov $0xC0000080, %ecx
    rdmsr
    or $0x100, %eax            # LME
    wrmsr
    mov %cr0, %eax
    or $0x80000001, %eax       # PG | PE
    mov %eax, %cr0
    lgdt gdt_ptr
    ljmp $0x08, $long_mode

    .code64
long_mode:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov %ax, %fs
    mov %ax, %gs
    mov $stack_top, %rsp
    call kernel_main          # (edi, esi) = (multiboot magic, info)
3:  hlt
    jmp 3b

    .section .note.GNU-stack, "", @progbits
