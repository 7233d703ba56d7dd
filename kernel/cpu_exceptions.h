// CPU exceptions: an IDT for vectors 0..31 whose handler prints the vector, its
// name, the error code, RIP, CR2 and the general registers on the debug console,
// then ends QEMU with Failure::CpuException. Nothing is recovered: in this kernel
// an exception is a bug.
#pragma once

namespace allocsim::kernel {

void install_exception_handlers();

}  // namespace allocsim::kernel
