#include "agent/runtime/supervisor.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>

#include <algorithm>
#include <exception>

#include "agent/runtime/asio_tokens.hpp"

namespace scagent::runtime {

namespace asio = boost::asio;

Supervisor::Supervisor(prometheus::Registry* metrics, Options options)
    : options_(std::move(options)) {
    if (metrics) {
        restarts_family_ = &prometheus::BuildCounter()
                                .Name("sc_agent_loop_restarts_total")
                                .Help("Background loops restarted after an unexpected error")
                                .Register(*metrics);
    }
}

void Supervisor::spawn(TaskGroup& group, const asio::any_io_executor& executor, std::string loop,
                       Body body) {
    if (restarts_family_) {
        // The series exists at 0 from the start, so that rate()/increase() see the first restart
        // and dashboards and alerts find the metric on a healthy agent.
        restarts_family_->Add({{"loop", loop}});
    }
    auto name = loop;
    group.spawn(executor, supervise(std::move(loop), std::move(body)), std::move(name));
}

asio::awaitable<void> Supervisor::supervise(std::string loop, Body body) {
    auto backoff = options_.backoff_min;
    const Checkpoint checkpoint = [hook = options_.fault_hook, loop] {
        if (hook) {
            hook(loop);
        }
    };
    for (;;) {
        std::string reason;
        try {
            co_await body(checkpoint);
            co_return;
        } catch (const std::exception& e) {
            if (is_cancellation(std::current_exception())) {
                co_return;
            }
            reason = e.what();
        }
        if ((co_await asio::this_coro::cancellation_state).cancelled() !=
            asio::cancellation_type::none) {
            co_return;
        }
        spdlog::error("{} failed: {}; restarting in {} ms", loop, reason, backoff.count());
        report(loop, std::move(reason));
        asio::steady_timer pause(co_await asio::this_coro::executor, backoff);
        const auto [ec] = co_await pause.async_wait(kNoThrow);
        if (ec) {
            co_return;  // cancelled while waiting to restart
        }
        backoff = std::min(backoff * 2, options_.backoff_max);
        clear(loop);
    }
}

void Supervisor::report(const std::string& loop, std::string reason) {
    std::lock_guard lock(mutex_);
    faults_[loop] = std::move(reason);
    ++restarts_[loop];
    if (restarts_family_) {
        restarts_family_->Add({{"loop", loop}}).Increment();
    }
}

void Supervisor::clear(const std::string& loop) {
    std::lock_guard lock(mutex_);
    faults_.erase(loop);
}

std::optional<std::string> Supervisor::fault() const {
    std::lock_guard lock(mutex_);
    if (faults_.empty()) {
        return std::nullopt;
    }
    std::string out;
    for (const auto& [loop, reason] : faults_) {
        out += (out.empty() ? "" : "; ") + loop + " failed: " + reason;
    }
    return out;
}

std::uint64_t Supervisor::restarts(std::string_view loop) const {
    std::lock_guard lock(mutex_);
    const auto it = restarts_.find(loop);
    return it == restarts_.end() ? 0 : it->second;
}

}  // namespace scagent::runtime
