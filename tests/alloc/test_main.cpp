#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "alloc/platform/host/host_assert.h"

int main(int argc, char** argv) {
    allocsim::install_host_assert_handler();
    doctest::Context context(argc, argv);
    return context.run();
}
