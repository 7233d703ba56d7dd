// CPU exceptions: an IDT for vectors 0..31 whose handler prints the vector, its
// name, the error code, RIP, CR2 and the general registers on the debug console,
// then ends QEMU with Failure::CpuException. Nothing is recovered: in this kernel
// an exception is a bug.
#pragma once

namespace allocsim::kernel {

// Builds the IDT and loads it on this CPU (the BSP, once, at boot).
void install_exception_handlers();
// Loads the IDT install_exception_handlers() built on this CPU: each AP, at start.
void load_exception_handlers();

}  // namespace allocsim::kernel
