#include "agent/runtime/io_backend.hpp"

#if SC_AGENT_IO_URING
#include <liburing.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#endif

namespace {
// Set by OneThreadRingsScope, read by the ring wrap below (the io_uring build).
thread_local bool one_thread_rings = false;
}  // namespace

#if SC_AGENT_IO_URING

// Asio (1.81) asks for a ring of 16,384 entries per io_context: 1.6 MiB of submission and
// completion queues that the kernel maps into the process at once, for each of the agent's
// event loops (4.8 MiB of idle RSS for three). The link (agent/runtime/CMakeLists.txt) sends
// Asio's call here, which asks for fewer. Entries bound only the submissions queued between
// two system calls (Asio submits every 128) and the completions waiting to be reaped (twice
// the entries; the kernel keeps any overflow, IORING_FEAT_NODROP), not the operations in
// flight, so a smaller ring costs nothing on a busy proxy.
//
// COOP_TASKRUN (kernel 5.19): a completion does not interrupt the thread that submitted the
// operation; it is reaped when that thread next enters the kernel, which a loop waiting for
// completions does. Only for a ring one thread both submits to and waits on (the proxy's loops):
// where several threads run one io_context (the daemon's with `threads` > 1), the one waiting
// may not be the one that submitted, and the completion would wait for the submitter's next
// system call.
namespace {
constexpr unsigned kRingEntries = 1024;
}  // namespace

extern "C" int __real_io_uring_queue_init(unsigned entries, struct io_uring* ring, unsigned flags);

extern "C" int __wrap_io_uring_queue_init(unsigned entries, struct io_uring* ring, unsigned flags) {
    entries = std::min(entries, kRingEntries);
    if (!one_thread_rings) {
        return __real_io_uring_queue_init(entries, ring, flags);
    }
    const int result = __real_io_uring_queue_init(entries, ring, flags | IORING_SETUP_COOP_TASKRUN);
    return result == -EINVAL ? __real_io_uring_queue_init(entries, ring, flags) : result;
}
#endif

namespace scagent::runtime {

std::string_view io_backend_name() noexcept {
    return kIoUring ? "io_uring" : "epoll";
}

std::optional<std::string> io_backend_problem() {
#if SC_AGENT_IO_URING
    struct io_uring ring;
    const int result = io_uring_queue_init(kRingEntries, &ring, 0);  // as big as the loops' rings
    if (result == 0) {
        io_uring_queue_exit(&ring);
        return std::nullopt;
    }
    return std::string(
               "this sc-agent is built for io_uring (SC_AGENT_IO_URING=ON) and the "
               "kernel refuses it (io_uring_queue_init: ") +
           std::strerror(-result) +
           "): a container's seccomp profile (Docker's and Kubernetes' default ones) or the "
           "sysctl kernel.io_uring_disabled forbids it, or the kernel has no io_uring. Run the "
           "default (epoll) build here.";
#else
    return std::nullopt;
#endif
}

OneThreadRingsScope::OneThreadRingsScope() noexcept : previous_(one_thread_rings) {
    one_thread_rings = true;
}

OneThreadRingsScope::~OneThreadRingsScope() {
    one_thread_rings = previous_;
}

}  // namespace scagent::runtime
