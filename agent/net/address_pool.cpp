#include "agent/net/address_pool.hpp"

#include <stdexcept>
#include <utility>

namespace scagent::net {

AddressPool::AddressPool(std::vector<std::string> addresses, const plugins::Clock& clock,
                         AddressPoolOptions options)
    : addresses_(std::move(addresses)),
      clock_(clock),
      options_(options),
      states_(addresses_.size()) {
    if (addresses_.empty()) {
        throw std::invalid_argument("address pool needs at least one address");
    }
}

AddressPool::State* AddressPool::find(std::string_view address) {
    for (std::size_t i = 0; i < addresses_.size(); ++i) {
        if (addresses_[i] == address) {
            return &states_[i];
        }
    }
    return nullptr;
}

std::string AddressPool::pick(std::string_view avoid) {
    std::lock_guard lock(mutex_);
    const auto now = clock_.now();
    const std::size_t n = addresses_.size();
    auto usable = [&](std::size_t i) {
        return !states_[i].isolated_until || *states_[i].isolated_until <= now;
    };

    std::optional<std::size_t> chosen;
    for (std::size_t step = 0; step < n && !chosen; ++step) {
        std::size_t i = (cursor_ + step) % n;
        if (usable(i) && addresses_[i] != avoid) {
            chosen = i;
        }
    }
    if (!chosen) {
        for (std::size_t i = 0; i < n; ++i) {
            if (usable(i)) {
                chosen = i;  // only `avoid` is usable
            }
        }
    }
    if (!chosen) {  // invariant 3: all isolated; the soonest to recover, `avoid` last
        auto rank = [&](std::size_t i) {
            return std::pair(addresses_[i] == avoid, *states_[i].isolated_until);
        };
        chosen = 0;
        for (std::size_t i = 1; i < n; ++i) {
            if (rank(i) < rank(*chosen)) {
                chosen = i;
            }
        }
    }

    State& state = states_[*chosen];
    if (state.isolated_until && *state.isolated_until <= now) {
        state.isolated_until = now + options_.isolation;  // invariant 2: one probe per period
    }
    cursor_ = (*chosen + 1) % n;
    return addresses_[*chosen];
}

void AddressPool::report_success(std::string_view address) {
    std::lock_guard lock(mutex_);
    if (State* state = find(address)) {
        state->failures = 0;
        state->isolated_until.reset();
    }
}

void AddressPool::report_failure(std::string_view address) {
    std::lock_guard lock(mutex_);
    if (State* state = find(address)) {
        ++state->failures;
        if (state->failures >= options_.failure_threshold) {
            state->isolated_until = clock_.now() + options_.isolation;
        }
    }
}

bool AddressPool::isolated(std::string_view address) const {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < addresses_.size(); ++i) {
        if (addresses_[i] == address) {
            return states_[i].isolated_until.has_value();
        }
    }
    return false;
}

}  // namespace scagent::net
