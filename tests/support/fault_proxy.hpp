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

/// A TCP forwarder on 127.0.0.1:0 in front of 127.0.0.1:`target_port` that can hold one HTTP
/// request: after hold_next_request(), the next client chunk that starts an HTTP request is
/// never forwarded and its connection stays open and silent, as if the server hung. Every other
/// connection, and every new one, is forwarded untouched. Blocking sockets, a thread per
/// direction; the destructor closes everything and joins.
class FaultProxy {
  public:
    explicit FaultProxy(std::uint16_t target_port);
    ~FaultProxy();
    FaultProxy(const FaultProxy&) = delete;
    FaultProxy& operator=(const FaultProxy&) = delete;

    std::uint16_t port() const { return port_; }
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
