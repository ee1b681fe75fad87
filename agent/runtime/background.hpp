#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace scagent::runtime {

/// One thread for work that blocks or takes long enough to stall an event loop: fsync of the
/// cache snapshot, parsing governance YAML, handing freed memory back to the kernel. The I/O
/// threads hand a job over with `co_await run_in(...)` and resume on their own executor once it
/// is done, so the caller's task group covers the job and nothing runs detached.
///
/// Owned by the daemon: created before the components and destroyed after they have stopped
/// (its destructor joins the thread; every job has been awaited by then).
class Background {
  public:
    Background() : pool_(1) {}
    ~Background() { pool_.join(); }
    Background(const Background&) = delete;
    Background& operator=(const Background&) = delete;

    boost::asio::any_io_executor executor() { return pool_.get_executor(); }

  private:
    boost::asio::thread_pool pool_;
};

namespace detail {

template <class Result>
struct CompletionOf {
    using type = void(std::exception_ptr, Result);
};
template <>
struct CompletionOf<void> {
    using type = void(std::exception_ptr);
};

/// Starts `job` on `background`; its result (or exception) goes to `handler` on the handler's
/// own executor, which counts as busy meanwhile. Plain callbacks, no coroutine lambda: GCC 12
/// destroys the captures of a lambda coroutine handed to co_spawn twice. An exception must not
/// escape into the pool's thread (std::terminate): it is carried back to the caller.
template <class Result>
struct RunIn {
    boost::asio::any_io_executor background;

    template <class Handler, class Job>
    void operator()(Handler handler, Job job) const {
        auto home = boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                        boost::asio::execution::outstanding_work.tracked);
        boost::asio::post(background, [handler = std::move(handler), job = std::move(job),
                                       home = std::move(home)]() mutable {
            std::exception_ptr error;
            if constexpr (std::is_void_v<Result>) {
                try {
                    job();
                } catch (...) {
                    error = std::current_exception();
                }
                boost::asio::dispatch(home, [handler = std::move(handler), error]() mutable {
                    std::move(handler)(error);
                });
            } else {
                std::optional<Result> result;
                try {
                    result.emplace(job());
                } catch (...) {
                    error = std::current_exception();
                }
                boost::asio::dispatch(home, [handler = std::move(handler), error,
                                             result = std::move(result)]() mutable {
                    std::move(handler)(error, result ? std::move(*result) : Result{});
                });
            }
        });
    }
};

}  // namespace detail

/// Runs `job` on `background` and resumes the caller on its own executor with the result (an
/// exception the job throws is rethrown here); with a null `background` (unit tests, tools) it
/// runs inline.
template <class Job>
boost::asio::awaitable<std::invoke_result_t<Job&>> run_in(boost::asio::any_io_executor background,
                                                          Job job) {
    using Result = std::invoke_result_t<Job&>;
    if (!background) {
        co_return job();
    }
    using Signature = typename detail::CompletionOf<Result>::type;
    auto initiation = detail::RunIn<Result>{background};
    co_return co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable), Signature>(
        initiation, boost::asio::use_awaitable, std::move(job));
}

}  // namespace scagent::runtime
