#pragma once

#include <optional>
#include <string>
#include <string_view>

// Which kernel interface the agent's event loops wait on.
//
// The default build uses epoll, which every Linux kernel and every container runtime allows.
// A build configured with SC_AGENT_IO_URING=ON (preset `release-uring`) hands socket reads and
// writes to io_uring instead: the proxy's reads and writes then cost no system call of their
// own, they are submitted in batches, and a proxied call costs about 0.6x the CPU (docs/proxy.md,
// "The io_uring build"). Docker's and Kubernetes' default seccomp profiles and the sysctl
// kernel.io_uring_disabled refuse io_uring, and Asio chooses its backend when it is compiled, so
// such a binary cannot fall back to epoll: it checks at start, says why it cannot run and exits 71.

#ifndef SC_AGENT_IO_URING
#define SC_AGENT_IO_URING 0
#endif

namespace scagent::runtime {

inline constexpr bool kIoUring = SC_AGENT_IO_URING != 0;

/// "epoll" or "io_uring", for --version and the start-up log.
std::string_view io_backend_name() noexcept;

/// Empty when event loops can be created; otherwise what an operator needs to know. Always
/// empty in the epoll build.
std::optional<std::string> io_backend_problem();

/// While one lives on a thread, the io_uring rings that thread creates belong to event loops
/// that a single thread runs, and are made with IORING_SETUP_COOP_TASKRUN (io_backend.cpp says
/// why only those). Asio creates an io_context's ring with its first timer or socket, so the
/// scope must cover that. No effect in the epoll build.
class OneThreadRingsScope {
  public:
    OneThreadRingsScope() noexcept;
    ~OneThreadRingsScope();
    OneThreadRingsScope(const OneThreadRingsScope&) = delete;
    OneThreadRingsScope& operator=(const OneThreadRingsScope&) = delete;

  private:
    bool previous_;
};

}  // namespace scagent::runtime
