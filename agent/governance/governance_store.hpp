#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agent/governance/governance_inputs.hpp"
#include "agent/governance/governance_metrics.hpp"
#include "agent/governance/governance_view.hpp"
#include "agent/governance/kie_dimensions.hpp"
#include "agent/net/http_transport.hpp"
#include "agent/runtime/component.hpp"
#include "agent/runtime/supervisor.hpp"
#include "agent/runtime/task_group.hpp"

namespace scagent::clients {
class RegistryClient;
}

namespace scagent::governance {

struct GovernanceStoreOptions {
    std::vector<std::string> kie_addresses;  ///< empty: no remote governance
    std::string project = "default";
    std::string domain = "default";
    GovernanceIdentity identity;  ///< the first local service (the snapshot's local service)
    /// The other local services on this host: their kie dimensions are polled too.
    std::vector<GovernanceIdentity> other_identities;
    /// Headers for every kie request, fetched before each one: with registry RBAC, the
    /// registry client's `Authorization` (kie checks service-center's token). Unset: none.
    std::function<boost::asio::awaitable<
        plugins::servicecomb::Result<std::vector<std::pair<std::string, std::string>>>>()>
        auth_headers;
    std::string governance_file;  ///< empty: none
    /// kie long-poll `wait` (java-chassis pollingWaitTime); the request may take this + 5 s.
    std::chrono::seconds wait{10};
    /// Pause between a poll's answer and the next poll (java-chassis: 1 s). A change made in
    /// the gap is not missed: the next poll carries the old revision and returns at once.
    std::chrono::milliseconds poll_gap{1000};
    std::chrono::milliseconds backoff_min{1000};  ///< first retry after an unreachable kie
    std::chrono::milliseconds backoff_max{30000};
    /// Restarts a poll loop that throws; null: a private one (unit tests).
    runtime::Supervisor* supervisor = nullptr;
    /// Where a change's rules are parsed and the snapshot built (runtime::Background), so a big
    /// or hostile governance answer does not stall the I/O thread. Null: on the strand, and the
    /// view is current when apply_list_result/reload_file return (unit tests).
    boost::asio::any_io_executor background;
};

/// GovernanceStore: kie long polls per dimension + the local governance file → one immutable
/// GovernanceView (with its GovernanceSnapshot), published atomically.
///
/// Invariants:
/// 1. view() never blocks and never returns null; readers keep the pointer they got for as long
///    as they need a consistent picture.
/// 2. A source that fails (kie unreachable or answering garbage, file unreadable or malformed)
///    keeps contributing its last good items; only its status changes.
/// 3. Override order, lowest first: file, kie app, kie service, kie version (the last item of a
///    key wins); only `enabled` KVs count. With several local services every service's
///    dimensions are polled (kie_dimensions of all identities).
/// 4. An item that fails validation is reported (log, metric, status in the view) and the rest
///    apply (GovernanceSnapshot::build).
///
/// Threading: every mutation runs on one strand; view()/snapshot()/inputs() are lock-free and may
/// be called from any thread. restore() must be called before start().
class GovernanceStore final : public runtime::Component {
  public:
    GovernanceStore(boost::asio::any_io_executor executor, net::HttpTransport& transport,
                    GovernanceMetrics* metrics, GovernanceStoreOptions options);
    ~GovernanceStore();
    GovernanceStore(const GovernanceStore&) = delete;
    GovernanceStore& operator=(const GovernanceStore&) = delete;

    std::string_view name() const noexcept override { return "governance"; }
    /// Reads the governance file and publishes its rules before returning, then starts one long
    /// poll per kie dimension.
    void start() override;
    /// Stops polling: a long poll in flight is cancelled; returns once every poll has ended.
    boost::asio::awaitable<void> stop() override;
    /// SIGHUP: re-reads the governance file; a broken file keeps the last good items.
    void reload();

    GovernanceViewPtr view() const noexcept { return view_.load(); }
    std::shared_ptr<const plugins::governance::GovernanceSnapshot> snapshot() const noexcept {
        return view()->snapshot;
    }
    /// The raw items of the current view, for the cache's disk snapshot.
    std::vector<RawInput> inputs() const { return view()->inputs; }
    /// Installs items saved by inputs() in an earlier run: kie items count as their dimension's
    /// last good answer until kie answers. Call before start().
    void restore(const std::vector<RawInput>& inputs);

    /// Called on the strand after every publish (tests, disk snapshot writer).
    void set_on_change(std::function<void(const GovernanceViewPtr&)> on_change) {
        on_change_ = std::move(on_change);
    }

    /// One poll's outcome for dimension `index`: replaces its items on success, keeps them and
    /// marks the source failed otherwise. Returns whether it succeeded. The poll loop's step;
    /// public so unit tests drive the merge logic without sockets. Strand-only.
    bool apply_list_result(
        std::size_t index,
        const plugins::servicecomb::Result<plugins::servicecomb::KieListResult>& result);
    /// Reads the governance file and publishes (built on the background executor unless
    /// `offload` is false). Strand-only (reload() posts it).
    void reload_file(bool offload = true);
    std::size_t dimension_count() const noexcept { return dimensions_.size(); }

  private:
    struct Dimension {
        KieDimension spec;
        SourceStatus status;
        std::vector<RawInput> inputs;
        std::int64_t revision = -1;  ///< -1 forces data on the first poll (java-chassis)
        std::unique_ptr<boost::asio::steady_timer> timer;
    };

    boost::asio::awaitable<void> poll(std::size_t index,
                                      runtime::Supervisor::Checkpoint checkpoint);
    struct BuildInputs;
    /// Gathers the current items on the strand and builds the view from them: inline, or on
    /// options_.background when `offload` and one is set (the view then lands a little later).
    void publish(bool offload = true);
    boost::asio::awaitable<void> build_and_install(std::shared_ptr<const BuildInputs> inputs);
    static GovernanceViewPtr build_view(const BuildInputs& inputs);
    /// Strand-only: publishes `view` unless a newer one is published already.
    void install(GovernanceViewPtr view);

    boost::asio::strand<boost::asio::any_io_executor> strand_;
    GovernanceMetrics* metrics_;
    GovernanceStoreOptions options_;
    std::unique_ptr<clients::RegistryClient> client_;  ///< null without kie addresses
    std::vector<Dimension> dimensions_;
    SourceStatus file_status_;
    std::vector<RawInput> file_inputs_;
    std::function<void(const GovernanceViewPtr&)> on_change_;
    std::atomic<std::shared_ptr<const GovernanceView>> view_;
    std::atomic<bool> stopped_{false};
    std::uint64_t generation_ = 0;
    runtime::SupervisedGroup loops_;
    runtime::TaskGroup builds_;  ///< offloaded builds in flight
};

}  // namespace scagent::governance
