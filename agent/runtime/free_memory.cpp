#include "agent/runtime/free_memory.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace scagent::runtime {

void release_free_memory() noexcept {
#if defined(__GLIBC__)
    ::malloc_trim(0);
#endif
}

void configure_allocator() noexcept {
#if defined(__GLIBC__)
    ::mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
}

}  // namespace scagent::runtime
