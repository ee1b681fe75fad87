#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace scagent::test {

/// A TCP forwarder on 127.0.0.1:0 in front of 127.0.0.1:`target_port` that injects the faults a
/// network and a crashing peer produce: set_fault() changes what happens to connections from
/// then on (reset at once, accepted and never answered, each chunk delayed, the answer cut after
/// N bytes), cut_all() resets the connections already open. It can also hold one HTTP request:
/// after hold_next_request(), the next client chunk that starts an HTTP request is never
/// forwarded and its connection stays open and silent, as if the server hung. Blocking
/// sockets, a thread per direction; the destructor closes everything and joins.
class FaultProxy {
  public:
    enum class Kind {
        kNone,       ///< forward untouched
        kReset,      ///< new connections are reset (RST) as soon as they are accepted
        kBlackhole,  ///< new connections are accepted, nothing is forwarded or answered
        kDelay,      ///< every chunk, both ways, waits `delay` before it is forwarded
        kTruncate,   ///< the answer direction forwards `truncate_after` bytes, then ends
    };
    struct Fault {
        Kind kind = Kind::kNone;
        std::chrono::milliseconds delay{};
        std::size_t truncate_after = 0;
    };

    explicit FaultProxy(std::uint16_t target_port);
    ~FaultProxy();
    FaultProxy(const FaultProxy&) = delete;
    FaultProxy& operator=(const FaultProxy&) = delete;

    std::uint16_t port() const { return port_; }
    void set_fault(Fault fault);
    /// Ends every connection open now, both ways (the peer went away).
    void cut_all();
    /// Connections accepted so far.
    int accepted() const { return accepted_.load(); }
    void hold_next_request();
    /// True once a request is held (false at `deadline`).
    bool wait_until_held(std::chrono::milliseconds deadline);
    /// True while the held request's client has not closed its connection.
    bool held_connection_open() const;

  private:
    struct Link;
    void accept_loop();
    void pump(const std::shared_ptr<Link>& link, bool from_client);

    std::uint16_t target_port_;
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> accepted_{0};
    Fault fault_;  // guarded by mutex_
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool armed_ = false;                        // guarded by mutex_
    std::shared_ptr<Link> held_;                // guarded by mutex_
    bool held_closed_ = false;                  // guarded by mutex_
    std::vector<std::shared_ptr<Link>> links_;  // guarded by mutex_
    std::vector<std::thread> threads_;          // guarded by mutex_
    std::thread acceptor_;
};

}  // namespace scagent::test
