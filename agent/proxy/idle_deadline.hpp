#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>

namespace scagent::proxy {

/// The client connection's idle limit: while the proxy waits for the client's next request,
/// the wait ends (the socket's pending read is cancelled) once `limit` has passed since the
/// wait began. One timer for the connection's whole life: a new wait moves a time stamp and
/// the timer, when it fires early, re-arms itself for the rest, so a request costs a clock
/// read rather than arming and cancelling a timer (a timerfd update) around each read.
class IdleDeadline {
  public:
    IdleDeadline(boost::asio::ip::tcp::socket& socket, std::chrono::milliseconds limit)
        : timer_(socket.get_executor()), state_(std::make_shared<State>()) {
        state_->socket = &socket;
        state_->limit = limit;
    }
    ~IdleDeadline() {
        state_->socket = nullptr;  // a handler still queued must not touch the socket
        timer_.cancel();
    }
    IdleDeadline(const IdleDeadline&) = delete;
    IdleDeadline& operator=(const IdleDeadline&) = delete;

    /// A wait for the client begins now: the limit runs from here.
    void begin_wait() {
        state_->waiting = true;
        state_->expired = false;
        state_->since = std::chrono::steady_clock::now();
        if (!state_->armed) {
            arm(state_->since + state_->limit);
        }
    }
    /// The client spoke: no limit until the next begin_wait().
    void end_wait() noexcept { state_->waiting = false; }
    /// Whether the current wait passed the limit (read_head() asks before each read: the timer
    /// may fire while no read is pending).
    bool expired() const noexcept { return state_->expired; }

  private:
    struct State {
        boost::asio::ip::tcp::socket* socket = nullptr;
        std::chrono::milliseconds limit{};
        std::chrono::steady_clock::time_point since{};
        bool waiting = false;
        bool armed = false;
        bool expired = false;
    };

    void arm(std::chrono::steady_clock::time_point at) {
        state_->armed = true;
        timer_.expires_at(at);
        timer_.async_wait([this, state = state_](const boost::system::error_code& ec) {
            state->armed = false;
            if (ec || state->socket == nullptr) {
                return;  // cancelled: the connection ended (`this` may be gone)
            }
            if (!state->waiting) {
                return;  // busy with a call: the next begin_wait() arms again
            }
            const auto due = state->since + state->limit;
            if (std::chrono::steady_clock::now() < due) {
                arm(due);  // the wait began after the timer was set: the rest of it
                return;
            }
            state->expired = true;
            boost::system::error_code ignored;
            state->socket->cancel(ignored);
        });
    }

    boost::asio::steady_timer timer_;
    std::shared_ptr<State> state_;
};

}  // namespace scagent::proxy
