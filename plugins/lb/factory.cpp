#include "plugins/lb/factory.hpp"

#include <algorithm>
#include <array>
#include <type_traits>

#include "plugins/lb/balancers.hpp"

namespace scagent::plugins::lb {

namespace {

using Maker = std::unique_ptr<LoadBalancer> (*)(std::unique_ptr<Rng>);

struct Builtin {
    std::string_view name;
    Maker make;
};

// Builds a `Balancer`, handing it the Rng when it takes one.
template <class Balancer>
std::unique_ptr<LoadBalancer> make([[maybe_unused]] std::unique_ptr<Rng> rng) {
    if constexpr (std::is_constructible_v<Balancer, std::unique_ptr<Rng>>) {
        return std::make_unique<Balancer>(std::move(rng));
    } else {
        return std::make_unique<Balancer>();
    }
}

// The one explicit list of built-in balancers (no static registration).
constexpr std::array<Builtin, 6> kBuiltins{{
    {"RoundRobin", &make<RoundRobin>},
    {"Random", &make<RandomBalancer>},
    {"WeightedResponse", &make<WeightedResponse>},
    {"SessionStickiness", &make<SessionStickiness>},
    {"LeastRequest", &make<LeastRequest>},
    {"ConsistentHash", &make<ConsistentHash>},
}};

constexpr auto kNames = [] {
    std::array<std::string_view, kBuiltins.size()> names{};
    for (std::size_t i = 0; i < kBuiltins.size(); ++i) {
        names[i] = kBuiltins[i].name;
    }
    return names;
}();

}  // namespace

std::span<const std::string_view> builtin_load_balancers() noexcept {
    return kNames;
}

bool is_known_load_balancer(std::string_view rule) noexcept {
    return std::find(kNames.begin(), kNames.end(), rule) != kNames.end();
}

std::string known_load_balancer_names() {
    std::string out;
    for (auto name : kNames) {
        out += out.empty() ? "" : ", ";
        out += name;
    }
    return out;
}

LoadBalancerOrError make_load_balancer(std::string_view rule, std::unique_ptr<Rng> rng) {
    for (const auto& builtin : kBuiltins) {
        if (builtin.name == rule) {
            if (!rng) {
                rng = std::make_unique<SeededRng>(0);
            }
            return {builtin.make(std::move(rng)), {}};
        }
    }
    return {nullptr, "unknown load balancer '" + std::string(rule) +
                         "' (known: " + known_load_balancer_names() + ")"};
}

}  // namespace scagent::plugins::lb
