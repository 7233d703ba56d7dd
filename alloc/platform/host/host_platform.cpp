#include "alloc/platform/host/host_platform.h"

#include <sched.h>

namespace allocsim {
namespace {
thread_local CpuId t_current_cpu{0};
}

CpuId HostPlatform::current_cpu() { return t_current_cpu; }
void HostPlatform::set_current_cpu(CpuId cpu) { t_current_cpu = cpu; }
void HostPlatform::yield() { sched_yield(); }

}  // namespace allocsim
