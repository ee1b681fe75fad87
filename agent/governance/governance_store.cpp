#include "agent/governance/governance_store.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <map>

#include "agent/clients/registry_client.hpp"
#include "agent/runtime/asio_tokens.hpp"
#include "agent/runtime/background.hpp"
#include "plugins/api/clock.hpp"

namespace scagent::governance {
namespace {

namespace asio = boost::asio;
namespace sc = plugins::servicecomb;
namespace gov = plugins::governance;
using runtime::kNoThrow;
/// Slack over `wait` for the long poll's own deadline: kie answers 304 at `wait`.
constexpr auto kPollSlack = std::chrono::seconds(5);

clients::RegistryClientOptions client_options(const GovernanceStoreOptions& options) {
    // The registry client brings address failover and X-Domain-Name. No username: its token
    // endpoint is service-center's, not kie's; the token comes from options.auth_headers.
    clients::RegistryClientOptions client;
    client.addresses = options.kie_addresses;
    client.project = options.project;
    client.domain = options.domain;
    return client;
}

/// "key -> joined errors" of the rejected items, to log only what newly went wrong.
std::map<std::string, std::string> rejected_items(const GovernanceView* view) {
    std::map<std::string, std::string> rejected;
    if (!view || !view->snapshot) {
        return rejected;
    }
    for (const auto& item : view->snapshot->items()) {
        if (item.status == gov::ItemStatus::kRejected) {
            std::string joined;
            for (const auto& error : item.errors) {
                joined += (joined.empty() ? "" : "; ") + error;
            }
            rejected[item.source + " " + item.key] = joined;
        }
    }
    return rejected;
}

}  // namespace

GovernanceStore::GovernanceStore(asio::any_io_executor executor, net::HttpTransport& transport,
                                 GovernanceMetrics* metrics, GovernanceStoreOptions options)
    : strand_(asio::make_strand(std::move(executor))),
      metrics_(metrics),
      options_(std::move(options)),
      loops_(options_.supervisor) {
    if (!options_.kie_addresses.empty()) {
        client_ = std::make_unique<clients::RegistryClient>(transport, plugins::system_clock(),
                                                            client_options(options_));
        std::vector<GovernanceIdentity> identities{options_.identity};
        identities.insert(identities.end(), options_.other_identities.begin(),
                          options_.other_identities.end());
        for (auto& spec : kie_dimensions(identities)) {
            Dimension dimension;
            dimension.status.type = "kie";
            dimension.status.name = spec.name;
            dimension.status.labels = spec.labels;
            dimension.spec = std::move(spec);
            dimension.timer = std::make_unique<asio::steady_timer>(strand_);
            dimensions_.push_back(std::move(dimension));
        }
    }
    file_status_.type = "file";
    file_status_.name = options_.governance_file;
    publish(/*offload=*/false);
}

GovernanceStore::~GovernanceStore() = default;

void GovernanceStore::restore(const std::vector<RawInput>& inputs) {
    for (auto& dimension : dimensions_) {
        const std::string source = "kie:" + dimension.spec.name;
        dimension.inputs.clear();
        for (const auto& input : inputs) {
            if (input.source == source) {
                dimension.inputs.push_back(input);
            }
        }
        dimension.status.state = "restored";
        dimension.status.items = dimension.inputs.size();
    }
    publish(/*offload=*/false);
}

void GovernanceStore::start() {
    // The file's rules are in force before start() returns, so before the proxy (started after
    // this component) takes its first call. Nothing runs on the strand yet: no loop is spawned.
    if (!options_.governance_file.empty()) {
        reload_file(/*offload=*/false);
    }
    asio::post(strand_, [this] {
        for (std::size_t i = 0; i < dimensions_.size(); ++i) {
            loops_.spawn(strand_, "governance.kie " + dimensions_[i].spec.name,
                         [this, i](runtime::Supervisor::Checkpoint checkpoint) {
                             return poll(i, std::move(checkpoint));
                         });
        }
    });
}

asio::awaitable<void> GovernanceStore::stop() {
    stopped_ = true;
    asio::post(strand_, [this] {
        for (auto& dimension : dimensions_) {
            dimension.timer->cancel();
        }
    });
    loops_.cancel();
    co_await loops_.wait();
    builds_.cancel();
    co_await builds_.wait();
}

void GovernanceStore::reload() {
    asio::post(strand_, [this] {
        if (!options_.governance_file.empty()) {
            reload_file();
        }
    });
}

void GovernanceStore::reload_file(bool offload) {
    auto read = read_governance_file(options_.governance_file);
    if (!read.error.empty()) {
        spdlog::error("governance: {}; keeping the last good items of that file", read.error);
        file_status_.state = "error";
        file_status_.error = std::move(read.error);
    } else {
        file_status_.state = "ok";
        file_status_.error.clear();
        file_inputs_ = std::move(read.inputs);
    }
    file_status_.items = file_inputs_.size();
    publish(offload);
}

bool GovernanceStore::apply_list_result(std::size_t index,
                                        const sc::Result<sc::KieListResult>& result) {
    auto& dimension = dimensions_.at(index);
    auto& status = dimension.status;
    if (!result) {
        const auto error = result.error().describe();
        if (status.state != "error" || status.error != error) {
            spdlog::warn(
                "governance: kie {} dimension unavailable ({}); keeping its last good "
                "{} item(s)",
                dimension.spec.name, error, dimension.inputs.size());
        }
        status.state = "error";
        status.error = error;
        publish();  // the status is part of the view
        return false;
    }
    if (status.state == "error") {
        spdlog::info("governance: kie {} dimension reachable again", dimension.spec.name);
    }
    const bool changed = !result->not_modified || status.state != "ok";
    status.state = "ok";
    status.error.clear();
    if (!result->not_modified) {
        dimension.inputs = enabled_inputs(result->data, "kie:" + dimension.spec.name);
        if (result->revision) {
            dimension.revision = *result->revision;
        }
        status.revision = result->revision;
        status.items = dimension.inputs.size();
    }
    if (changed) {
        publish();
    }
    return true;
}

asio::awaitable<void> GovernanceStore::poll(std::size_t index,
                                            runtime::Supervisor::Checkpoint checkpoint) {
    auto backoff = options_.backoff_min;
    while (!stopped_) {
        checkpoint();
        auto& dimension = dimensions_[index];
        sc::KieListQuery query;
        query.project = options_.project;
        query.labels = dimension.spec.labels;
        query.match_exact = true;
        query.revision = dimension.revision;
        query.wait = std::to_string(options_.wait.count()) + "s";
        auto request = sc::kie_list_request(query);
        clients::ResponseResult response = sc::RegistryError{};
        std::optional<sc::Result<std::vector<std::pair<std::string, std::string>>>> auth;
        if (options_.auth_headers) {
            auth = co_await options_.auth_headers();
        }
        if (auth && !*auth) {
            response = auth->error();  // no token: this poll fails like an unreachable kie
        } else {
            if (auth) {
                for (const auto& [name, value] : **auth) {
                    plugins::set_header(request.headers, name, value);
                }
            }
            response = co_await client_->send(
                "kie_list", std::move(request),
                std::chrono::milliseconds(options_.wait) + std::chrono::milliseconds(kPollSlack));
        }
        if (stopped_) {
            co_return;
        }
        sc::Result<sc::KieListResult> decoded =
            response ? sc::decode_kie_list(*response)
                     : sc::Result<sc::KieListResult>(response.error());
        std::chrono::milliseconds pause = options_.poll_gap;
        if (apply_list_result(index, decoded)) {
            backoff = options_.backoff_min;
        } else {
            pause = backoff;
            backoff = std::min(backoff * 2, options_.backoff_max);
        }
        dimension.timer->expires_after(pause);
        co_await dimension.timer->async_wait(kNoThrow);
    }
}

struct GovernanceStore::BuildInputs {
    std::vector<gov::GovernanceInput> merged;
    gov::LocalService local;
    std::vector<RawInput> file_inputs;
    std::vector<std::vector<RawInput>> kie;
    std::vector<SourceStatus> sources;
    std::uint64_t generation = 0;
};

void GovernanceStore::publish(bool offload) {
    auto inputs = std::make_shared<BuildInputs>();
    for (const auto& dimension : dimensions_) {
        inputs->kie.push_back(dimension.inputs);
    }
    inputs->merged = merge_inputs(file_inputs_, inputs->kie);
    inputs->local = gov::LocalService{options_.identity.service, options_.identity.version};
    for (const auto& other : options_.other_identities) {
        inputs->local.others.emplace_back(other.service, other.version);
    }
    inputs->file_inputs = file_inputs_;
    if (!options_.governance_file.empty()) {
        inputs->sources.push_back(file_status_);
    }
    for (const auto& dimension : dimensions_) {
        inputs->sources.push_back(dimension.status);
    }
    inputs->generation = ++generation_;
    // Exactly the parameter's type: GCC 12 mis-copies a coroutine parameter initialised from a
    // converted temporary (shared_ptr<T> -> shared_ptr<const T>) and frees it twice.
    std::shared_ptr<const BuildInputs> ready = std::move(inputs);
    if (offload && options_.background) {
        auto task = build_and_install(ready);
        builds_.spawn(strand_, std::move(task), "governance.build");  // refused once stopping
        return;
    }
    install(build_view(*ready));
}

asio::awaitable<void> GovernanceStore::build_and_install(
    std::shared_ptr<const BuildInputs> inputs) {
    auto build = [inputs] { return build_view(*inputs); };
    auto view = co_await runtime::run_in(options_.background, std::move(build));
    install(std::move(view));  // back on the strand
}

GovernanceViewPtr GovernanceStore::build_view(const BuildInputs& inputs) {
    auto view = std::make_shared<GovernanceView>();
    view->snapshot = gov::GovernanceSnapshot::build(inputs.merged, inputs.local);
    view->inputs = inputs.file_inputs;
    for (const auto& dimension : inputs.kie) {
        view->inputs.insert(view->inputs.end(), dimension.begin(), dimension.end());
    }
    view->sources = inputs.sources;
    view->generation = inputs.generation;
    return view;
}

void GovernanceStore::install(GovernanceViewPtr view) {
    if (stopped_) {
        return;  // a build that finished during stop(): nobody reads the view any more
    }
    const auto previous = view_.load();
    // Builds run one at a time in order, but a late one must never replace a newer view.
    if (previous && previous->generation >= view->generation) {
        return;
    }
    const auto before = rejected_items(previous.get());
    for (const auto& [item, errors] : rejected_items(view.get())) {
        if (auto it = before.find(item); it == before.end() || it->second != errors) {
            spdlog::warn("governance: rejected {}: {}", item, errors);
        }
    }
    if (metrics_) {
        metrics_->set_items(*view->snapshot);
    }
    view_.store(view);
    if (on_change_) {
        on_change_(view);
    }
}

}  // namespace scagent::governance
