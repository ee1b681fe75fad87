#include "agent/discovery/refresher.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <map>

#include "agent/discovery/registry_answer.hpp"
#include "agent/runtime/asio_tokens.hpp"

namespace scagent::discovery {
namespace {

namespace asio = boost::asio;
namespace sc = plugins::servicecomb;
using runtime::kNoThrow;

}  // namespace

Refresher::Refresher(asio::any_io_executor strand, clients::RegistryClient& client,
                     InstanceCache& cache, ConsumerId consumer_id, RefresherOptions options)
    : strand_(strand),
      client_(client),
      cache_(cache),
      consumer_id_(std::move(consumer_id)),
      options_(options),
      loops_(options.supervisor),
      timer_(strand) {}

void Refresher::set_on_result(std::function<void(bool)> on_result) {
    on_result_ = std::move(on_result);
}

void Refresher::set_on_key_failed(KeyListener listener) {
    on_key_failed_ = std::move(listener);
}

void Refresher::set_on_housekeeping(std::function<void()> on_housekeeping) {
    on_housekeeping_ = std::move(on_housekeeping);
}

void Refresher::start() {
    loops_.spawn(strand_, "discovery.refresher",
                 [this](runtime::Supervisor::Checkpoint checkpoint) { return run(checkpoint); });
}

void Refresher::stop() {
    asio::post(strand_, [this] {
        stopped_ = true;
        timer_.cancel();
    });
    loops_.cancel();
}

void Refresher::wake() {
    // On the strand: the loop either waits on timer_ (woken now) or is inside a refresh and
    // looks at the pending sets before it waits again.
    timer_.cancel();
}

void Refresher::refresh_soon(const CacheKey& key) {
    asio::post(strand_, [this, key] {
        pending_.insert(key);
        wake();
    });
}

void Refresher::refresh_service_soon(const std::string& app, const std::string& service) {
    asio::post(strand_, [this, app, service] {
        pending_services_.emplace(app, service);
        wake();
    });
}

void Refresher::refresh_all_soon() {
    asio::post(strand_, [this] {
        full_pending_ = true;
        wake();
    });
}

asio::awaitable<void> Refresher::run(runtime::Supervisor::Checkpoint checkpoint) {
    using Clock = std::chrono::steady_clock;
    auto next_full = Clock::now();
    auto next_expire = Clock::now() + options_.expire_period;
    while (!stopped_) {
        checkpoint();
        auto now = Clock::now();
        std::string consumer = consumer_id_ ? consumer_id_() : std::string();
        std::vector<CacheKey> keys;
        if (full_pending_ || now >= next_full) {
            full_pending_ = false;
            pending_.clear();
            pending_services_.clear();
            next_full = now + options_.interval;
            for (auto& item : cache_.refresh_list()) {
                keys.push_back(std::move(item.key));
            }
        } else if (!pending_.empty() || !pending_services_.empty()) {
            for (auto& item : cache_.refresh_list()) {
                bool wanted = pending_.contains(item.key) ||
                              pending_services_.contains({item.key.app, item.key.service});
                if (wanted) {
                    keys.push_back(std::move(item.key));
                }
            }
            pending_.clear();
            pending_services_.clear();
        }
        if (!keys.empty()) {
            bool ok = co_await refresh(std::move(keys), std::move(consumer));
            if (on_result_) {
                on_result_(ok);
            }
            continue;
        }
        if (now >= next_expire) {
            next_expire = now + options_.expire_period;
            for (const auto& key : cache_.expire_idle()) {
                spdlog::info("provider cache: dropped {} (not asked for in a while)",
                             key.to_string());
            }
        }
        if (on_housekeeping_) {
            on_housekeeping_();
        }
        timer_.expires_at(std::min(next_full, Clock::now() + options_.housekeeping));
        co_await timer_.async_wait(kNoThrow);
    }
}

asio::awaitable<bool> Refresher::refresh(std::vector<CacheKey> keys, std::string consumer) {
    std::map<CacheKey, std::string> revisions;
    for (auto& item : cache_.refresh_list()) {
        revisions.emplace(std::move(item.key), std::move(item.revision));
    }
    sc::BatchFindQuery query;
    query.consumer_id = consumer;
    for (const auto& key : keys) {
        sc::BatchFindQuery::Service item;
        item.key.environment = key.env;
        item.key.app_id = key.app;
        item.key.service_name = key.service;
        item.revision = revisions[key];
        query.services.push_back(std::move(item));
    }
    ++calls_;
    auto result = co_await client_.batch_find(query);
    if (!result && !consumer.empty() && result.error().is(sc::codes::kServiceNotExists)) {
        // Our own service is unknown to the registry (it lost its state and the registrar has
        // not re-registered yet): discovery must not wait for that.
        query.consumer_id.clear();
        ++calls_;
        result = co_await client_.batch_find(query);
    }
    if (!result) {
        if (last_ok_) {
            spdlog::warn("provider cache refresh failed, serving cached instances: {}",
                         result.error().describe());
        }
        last_ok_ = false;
        fail(keys);
        co_return false;
    }
    if (!last_ok_) {
        spdlog::info("provider cache refresh answered again");
    }
    last_ok_ = true;
    apply(keys, result->services);
    co_return true;
}

void Refresher::apply(const std::vector<CacheKey>& keys, const sc::BatchFindGroup& group) {
    // Indexes come from the registry: anything out of range is ignored, and a key the answer
    // does not mention counts as failed (it keeps its data).
    std::vector<bool> answered(keys.size(), false);
    auto valid = [&](int index) {
        return index >= 0 && static_cast<std::size_t>(index) < keys.size() &&
               !answered[static_cast<std::size_t>(index)];
    };
    for (const auto& updated : group.updated) {
        if (!valid(updated.index)) {
            continue;
        }
        auto position = static_cast<std::size_t>(updated.index);
        answered[position] = true;
        cache_.apply_live_result(keys[position],
                                 to_live_result(updated.instances, updated.revision));
    }
    for (int index : group.not_modified) {
        if (!valid(index)) {
            continue;
        }
        answered[static_cast<std::size_t>(index)] = true;
        cache_.apply_not_modified(keys[static_cast<std::size_t>(index)]);
    }
    for (const auto& failed : group.failed) {
        bool missing = failed.error.is(sc::codes::kServiceNotExists);
        for (int index : failed.indexes) {
            if (!valid(index)) {
                continue;
            }
            auto position = static_cast<std::size_t>(index);
            answered[position] = true;
            if (missing) {
                cache_.apply_live_result(keys[position], not_found_result());
            } else {
                spdlog::warn("provider cache: refresh of {} failed: {}", keys[position].to_string(),
                             failed.error.describe());
                fail({keys[position]});
            }
        }
    }
    for (std::size_t i = 0; i < keys.size(); ++i) {
        if (!answered[i]) {
            fail({keys[i]});
        }
    }
}

void Refresher::fail(const std::vector<CacheKey>& keys) {
    for (const auto& key : keys) {
        cache_.mark_failure(key);
        if (on_key_failed_) {
            on_key_failed_(key);
        }
    }
}

}  // namespace scagent::discovery
