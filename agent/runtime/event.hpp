#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace scagent::runtime {

/// A level-triggered event that coroutines on any thread wait for: set() wakes every waiter and
/// lets later waits through until reset(). It replaces "poll a flag on a timer" between
/// components. A wait supports per-operation cancellation (it completes with
/// operation_aborted), so it can race another wait with `||`.
///
/// Thread-safety: every member may be called from any thread. Waiters resume on their own
/// executor and keep it busy (outstanding work) while they wait.
class Event {
  public:
    Event() : state_(std::make_shared<State>()) {}
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;

    void set();
    void reset();
    bool is_set() const;

    template <class Token = boost::asio::use_awaitable_t<>>
    auto async_wait(Token&& token = {}) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code)>(
            [state = state_](auto handler) { start_wait(state, std::move(handler)); }, token);
    }

    /// Returns once the event is set; throws boost::system::system_error when cancelled.
    boost::asio::awaitable<void> wait();

  private:
    struct Waiter {
        std::atomic<bool> done{false};
        std::function<void(boost::system::error_code)> complete;
    };
    struct State {
        mutable std::mutex mutex;
        bool set = false;
        std::vector<std::shared_ptr<Waiter>> waiters;
    };

    /// Completes `waiter` once (set() and a cancellation may race for it).
    static void finish(const std::shared_ptr<Waiter>& waiter, boost::system::error_code ec);
    static bool add_or_finish(const std::shared_ptr<State>& state,
                              const std::shared_ptr<Waiter>& waiter);
    static void cancel_waiter(const std::shared_ptr<State>& state,
                              const std::weak_ptr<Waiter>& weak);

    template <class Handler>
    static void start_wait(const std::shared_ptr<State>& state, Handler handler) {
        namespace asio = boost::asio;
        auto slot = asio::get_associated_cancellation_slot(handler);
        auto work = asio::prefer(asio::get_associated_executor(handler),
                                 asio::execution::outstanding_work.tracked);
        auto shared = std::make_shared<Handler>(std::move(handler));
        auto waiter = std::make_shared<Waiter>();
        waiter->complete = [work, shared](boost::system::error_code ec) {
            asio::post(work, [shared, ec]() mutable { std::move (*shared)(ec); });
        };
        if (!add_or_finish(state, waiter)) {
            return;
        }
        if (slot.is_connected()) {
            slot.assign([state, weak = std::weak_ptr<Waiter>(waiter)](asio::cancellation_type) {
                cancel_waiter(state, weak);
            });
        }
    }

    std::shared_ptr<State> state_;
};

}  // namespace scagent::runtime
