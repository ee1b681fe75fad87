#include "agent/runtime/io_backend.hpp"

#if SC_AGENT_IO_URING
#include <liburing.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

// Asio (1.81) asks for a ring of 16,384 entries per io_context: 1.6 MiB of submission and
// completion queues that the kernel maps into the process at once, for each of the agent's
// event loops (4.8 MiB of idle RSS for three). The link (agent/runtime/CMakeLists.txt) sends
// Asio's call here, which asks for fewer. Entries bound only the submissions queued between
// two system calls (Asio submits every 128) and the completions waiting to be reaped (twice
// the entries; the kernel keeps any overflow, IORING_FEAT_NODROP), not the operations in
// flight, so a smaller ring costs nothing on a busy proxy.
namespace {
constexpr unsigned kRingEntries = 1024;
}

extern "C" int __real_io_uring_queue_init(unsigned entries, struct io_uring* ring, unsigned flags);

extern "C" int __wrap_io_uring_queue_init(unsigned entries, struct io_uring* ring, unsigned flags) {
    entries = std::min(entries, kRingEntries);
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
    const int result = io_uring_queue_init(8, &ring, 0);
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

}  // namespace scagent::runtime
