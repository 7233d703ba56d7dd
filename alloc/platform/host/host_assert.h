// The host's assertion failure handler: prints the expression, the location and
// both operands to stderr, then aborts (so a debugger or a sanitizer shows where).
#pragma once

namespace allocsim {
void install_host_assert_handler();
}
