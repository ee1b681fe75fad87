#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "agent/proxy/forwarder.hpp"
#include "agent/runtime/event.hpp"
#include "agent/runtime/task_group.hpp"

namespace scagent::proxy {

/// One event loop of the proxy: its own io_context and thread, an acceptor per listen address
/// (SO_REUSEPORT when there are several loops, so the kernel spreads connections), its client
/// connections, and its LoopState (upstream pools). Nothing on the request path is shared with
/// another loop except lock-free counters and immutable snapshots.
///
/// Lifecycle: bind() then start() once; close() then closed() once. Every connection and accept
/// loop is a task of the loop's TaskGroup.
class ProxyLoop {
  public:
    ProxyLoop(ProxyShared& shared, std::uint64_t seed);
    ~ProxyLoop();
    ProxyLoop(const ProxyLoop&) = delete;
    ProxyLoop& operator=(const ProxyLoop&) = delete;

    /// Binds `listen` (an endpoint; port 0 picks one) for the calls `what` describes: made as
    /// its caller ("" = decided per request), or provider-side to its inbound app. Returns the
    /// bound endpoint. Throws std::system_error on failure. Before start() only: once the
    /// loop's thread runs, no other thread may touch its sockets (see ioc_).
    boost::asio::ip::tcp::endpoint bind(const boost::asio::ip::tcp::endpoint& listen,
                                        const ProxyListen& what, bool reuse_port);
    /// Starts accepting on the loop's own thread.
    void start();
    /// Stops accepting and closes idle client connections; calls in flight get `grace`, then
    /// are cancelled. Returns at once; from any thread.
    void close(std::chrono::milliseconds grace);
    /// Ends the grace now.
    void hurry();
    /// Completes once every connection has ended and the loop's thread has finished.
    boost::asio::awaitable<void> closed();

  private:
    struct Listener {
        boost::asio::ip::tcp::acceptor acceptor;
        std::string caller;
        std::optional<InboundTarget> inbound;
        /// Its connections not yet ended; at max_connections the accept loop waits on
        /// `room` (a timer used as an event) until one ends.
        std::size_t open = 0;
        boost::asio::steady_timer room;
    };
    struct Client {
        boost::beast::tcp_stream* stream = nullptr;
        bool busy = false;
    };

    boost::asio::awaitable<void> accept_loop(Listener& listener);
    boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket, Listener& listener);
    void on_close(std::chrono::milliseconds grace);
    /// Closes upstream connections idle past proxy.idle_timeout, every half of it, until close.
    boost::asio::awaitable<void> sweep_loop();

    ProxyShared& shared_;
    /// One thread runs it, and only that thread touches its sockets (others post to it): the
    /// per-socket lock of Asio's reactor is left out (a lock and unlock per operation).
    boost::asio::io_context ioc_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
    std::vector<std::unique_ptr<Listener>> listeners_;
    runtime::TaskGroup tasks_;
    runtime::Event thread_done_;
    std::thread thread_;
    LoopState state_;

    // The loop's thread only.
    boost::asio::steady_timer grace_timer_;
    boost::asio::steady_timer sweep_timer_;
    bool stopping_ = false;
    std::uint64_t next_client_ = 0;
    std::unordered_map<std::uint64_t, Client> clients_;
};

}  // namespace scagent::proxy
