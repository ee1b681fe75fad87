#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "plugins/api/rng.hpp"
#include "plugins/lb/load_balancer.hpp"

namespace scagent::plugins::lb {

/// Cycles through the eligible candidates; exactly even over whole rounds. Lock-free.
class RoundRobin final : public LoadBalancer {
  public:
    std::string_view name() const noexcept override { return "RoundRobin"; }
    using LoadBalancer::pick;
    const Instance* pick(Candidates candidates, const RequestView& request,
                         const Excluded& excluded) override;

  private:
    std::atomic<std::uint64_t> next_{0};
};

/// Uniform choice among the eligible candidates.
class RandomBalancer final : public LoadBalancer {
  public:
    explicit RandomBalancer(std::unique_ptr<Rng> rng) : rng_(std::move(rng)) {}
    std::string_view name() const noexcept override { return "Random"; }
    using LoadBalancer::pick;
    const Instance* pick(Candidates candidates, const RequestView& request,
                         const Excluded& excluded) override;

  private:
    std::mutex mutex_;  // Rng is not thread-safe
    std::unique_ptr<Rng> rng_;
};

/// Chooses with probability proportional to 1 / (average response time). Instances without
/// samples get the best weight seen, so a new instance is tried rather than starved.
class WeightedResponse final : public LoadBalancer {
  public:
    explicit WeightedResponse(std::unique_ptr<Rng> rng) : rng_(std::move(rng)) {}
    std::string_view name() const noexcept override { return "WeightedResponse"; }
    using LoadBalancer::pick;
    const Instance* pick(Candidates candidates, const RequestView& request,
                         const Excluded& excluded) override;
    void on_attempt_end(const Instance& instance,
                        const governance::CallOutcome& outcome) noexcept override;
    void retain_instances(const std::set<std::string, std::less<>>& live) override;
    /// Moving average of the instance's response time in ms; 0 when never sampled.
    double average_ms(std::string_view instance_id) const;

  private:
    mutable std::mutex mutex_;
    std::unique_ptr<Rng> rng_;
    std::map<std::string, double, std::less<>> average_ms_;
    std::vector<double> weights_;  // scratch, reused under mutex_
};

/// Keeps each `RequestView::affinity_key` on the instance it was first given; re-picks (round
/// robin) when that instance left the candidates or is excluded. No key: plain round robin.
class SessionStickiness final : public LoadBalancer {
  public:
    /// At most this many keys are remembered; beyond it the oldest-inserted keys are dropped.
    static constexpr std::size_t kMaxSessions = 65536;

    std::string_view name() const noexcept override { return "SessionStickiness"; }
    using LoadBalancer::pick;
    const Instance* pick(Candidates candidates, const RequestView& request,
                         const Excluded& excluded) override;
    std::size_t sessions() const;

  private:
    RoundRobin fallback_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, std::string> sticky_;  // key -> instance id
    std::vector<std::string> insertion_order_;
    std::size_t oldest_ = 0;
};

/// Power of two choices: of two random eligible candidates, the one with fewer attempts in
/// flight (as reported through on_attempt_start/end).
class LeastRequest final : public LoadBalancer {
  public:
    explicit LeastRequest(std::unique_ptr<Rng> rng) : rng_(std::move(rng)) {}
    std::string_view name() const noexcept override { return "LeastRequest"; }
    using LoadBalancer::pick;
    const Instance* pick(Candidates candidates, const RequestView& request,
                         const Excluded& excluded) override;
    void on_attempt_start(const Instance& instance) noexcept override;
    void on_attempt_end(const Instance& instance,
                        const governance::CallOutcome& outcome) noexcept override;
    void on_attempt_abandoned(const Instance& instance) noexcept override;
    void retain_instances(const std::set<std::string, std::less<>>& live) override;
    int active(std::string_view instance_id) const;

  private:
    mutable std::mutex mutex_;
    std::unique_ptr<Rng> rng_;
    std::map<std::string, int, std::less<>> active_;
};

/// A hash ring with `kVirtualNodes` points per instance; a key goes to the first eligible
/// instance clockwise from its hash, so removing one instance moves only its keys. The ring is
/// rebuilt when the candidate list changes. No key: round robin.
class ConsistentHash final : public LoadBalancer {
  public:
    static constexpr int kVirtualNodes = 100;

    std::string_view name() const noexcept override { return "ConsistentHash"; }
    using LoadBalancer::pick;
    const Instance* pick(Candidates candidates, const RequestView& request,
                         const Excluded& excluded) override;

  private:
    void rebuild(Candidates candidates, std::uint64_t fingerprint);

    RoundRobin fallback_;
    std::mutex mutex_;
    std::uint64_t fingerprint_ = 0;
    std::size_t ring_for_size_ = 0;
    std::vector<std::pair<std::uint64_t, std::uint32_t>> ring_;  // (point, candidate index)
};

}  // namespace scagent::plugins::lb
