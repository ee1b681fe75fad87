#pragma once

#include <cstdint>
#include <random>

namespace scagent::plugins {

/// Randomness injected into load balancers, jitter and backoff so tests are deterministic.
/// Not thread-safe: each owner (connection, worker, policy state) keeps its own.
class Rng {
  public:
    virtual ~Rng() = default;
    /// Uniform in [0, bound); bound must be > 0.
    virtual std::uint64_t below(std::uint64_t bound) noexcept = 0;
    /// Uniform in [0, 1).
    virtual double unit() noexcept = 0;
};

/// A seeded Mersenne Twister; the same seed gives the same sequence.
class SeededRng final : public Rng {
  public:
    explicit SeededRng(std::uint64_t seed) : engine_(seed) {}

    std::uint64_t below(std::uint64_t bound) noexcept override {
        return std::uniform_int_distribution<std::uint64_t>(0, bound - 1)(engine_);
    }
    double unit() noexcept override {
        return std::uniform_real_distribution<double>(0, 1)(engine_);
    }

  private:
    std::mt19937_64 engine_;
};

}  // namespace scagent::plugins
