#pragma once

namespace scagent::runtime {

/// Hands the allocator's free pages back to the kernel (glibc's malloc_trim; nothing elsewhere).
/// A big registry answer is parsed, turned into the cache and freed again; glibc keeps those
/// pages mapped, so after a 10k-instance refresh the RSS would hold twice the cache's size for
/// good (bench/cache/memory.py). Takes milliseconds on a big heap: call it off the I/O threads.
void release_free_memory() noexcept;

/// Call once at start: allocations of 256 KiB and more (registry answers, big local API answers)
/// get their own mapping and go back to the kernel when freed. glibc's default raises that
/// threshold after the first such free, after which a 5 MiB answer lands in the heap and its
/// pages stay mapped between the cache's long-lived objects.
void configure_allocator() noexcept;

}  // namespace scagent::runtime
