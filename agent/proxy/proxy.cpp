#include "agent/proxy/proxy.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>

#include <random>

#include "agent/net/http_server.hpp"
#include "agent/proxy/explain.hpp"
#include "agent/runtime/io_backend.hpp"

namespace scagent::proxy {
namespace {

std::shared_ptr<spdlog::logger> make_access_log() {
    // One JSON object per line on stdout, apart from the daemon's own log format.
    auto logger = std::make_shared<spdlog::logger>(
        "access", std::make_shared<spdlog::sinks::stdout_sink_mt>());
    logger->set_pattern("%v");
    return logger;
}

}  // namespace

Proxy::Proxy(ProxyOptions options, discovery::Discovery& discovery,
             plugins::governance::GovernedSelector& selector, ProxyShared::Snapshots snapshots,
             metrics::MetricsRegistry& metrics, plugins::Clock& clock, ActionCounter actions)
    : metrics_(metrics), shared_{std::move(options), discovery, selector, std::move(snapshots),
                                 metrics_,           clock,     nullptr} {
    shared_.guards = std::make_unique<GuardStates>(clock, metrics_.circuit_state, actions);
    shared_.actions = std::move(actions);
    if (shared_.options.access_log) {
        shared_.access_log = make_access_log();
    }
    std::random_device seeds;
    const int threads = std::max(1, shared_.options.threads);
    const runtime::OneThreadRingsScope one_thread_rings;  // each loop runs on its own thread
    for (int i = 0; i < threads; ++i) {
        loops_.push_back(std::make_unique<ProxyLoop>(shared_, seeds()));
    }
}

Proxy::~Proxy() = default;

void Proxy::start() {
    const bool reuse_port = loops_.size() > 1;
    boost::asio::io_context resolver_context;  // listen addresses are literals: no lookups run
    for (const auto& listen : shared_.options.listeners) {
        auto endpoint = net::resolve_listen_address(resolver_context, listen.address);
        for (auto& loop : loops_) {
            // The first loop may pick the port (":0"); the others join it.
            endpoint = loop->bind(endpoint, listen, reuse_port);
        }
        ports_.push_back(endpoint.port());
        if (listen.inbound) {
            spdlog::info("inbound on {}:{} for {} (app at {}:{})", endpoint.address().to_string(),
                         endpoint.port(), listen.inbound->service, listen.inbound->host,
                         listen.inbound->port);
        } else {
            spdlog::info(
                "proxy on {}:{}{}", endpoint.address().to_string(), endpoint.port(),
                listen.caller.empty() ? std::string() : " (calls as " + listen.caller + ")");
        }
    }
    for (auto& loop : loops_) {
        loop->start();
    }
    started_ = true;
}

boost::asio::awaitable<void> Proxy::stop() {
    if (!started_) {
        co_return;
    }
    for (auto& loop : loops_) {
        loop->close(shared_.options.drain_timeout);
    }
    for (auto& loop : loops_) {
        co_await loop->closed();
    }
}

net::RouteHandler Proxy::explain_handler() {
    return proxy::explain_handler(shared_);
}

void Proxy::hurry() {
    for (auto& loop : loops_) {
        loop->hurry();
    }
}

}  // namespace scagent::proxy
