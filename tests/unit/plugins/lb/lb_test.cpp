#include <map>
#include <set>

#include <gtest/gtest.h>

#include "plugins/lb/balancers.hpp"
#include "plugins/lb/factory.hpp"

namespace scagent::plugins::lb {
namespace {

using governance::CallOutcome;
using std::chrono::milliseconds;

InstanceSet fleet(int n) {
    InstanceSet set;
    set.revision = 1;
    for (int i = 0; i < n; ++i) {
        Instance instance;
        instance.instance_id = "i" + std::to_string(i);
        instance.host = "10.0.0." + std::to_string(i);
        instance.port = 8080;
        set.instances.push_back(instance);
    }
    return set;
}

std::map<std::string, int> spread(LoadBalancer& lb, const InstanceSet& set, int picks,
                                  const Excluded& excluded = {}, const RequestView& request = {}) {
    std::map<std::string, int> counts;
    auto ptrs = pointers_of(set);
    for (int i = 0; i < picks; ++i) {
        const Instance* chosen = lb.pick(Candidates(ptrs), request, excluded);
        EXPECT_NE(chosen, nullptr);
        if (chosen != nullptr) {
            counts[chosen->instance_id] += 1;
        }
    }
    return counts;
}

Excluded exclude(std::initializer_list<const char*> ids) {
    Excluded e;
    for (const char* id : ids) {
        e.ids.insert(id);
    }
    return e;
}

std::unique_ptr<LoadBalancer> make(std::string_view rule, std::uint64_t seed = 11) {
    auto result = make_load_balancer(rule, std::make_unique<SeededRng>(seed));
    EXPECT_TRUE(result.balancer) << result.error;
    return std::move(result.balancer);
}

TEST(RoundRobin, ExactlyEven) {
    RoundRobin lb;
    auto counts = spread(lb, fleet(7), 7 * 1000);
    ASSERT_EQ(counts.size(), 7u);
    for (const auto& [id, n] : counts) {
        EXPECT_EQ(n, 1000) << id;
    }
}

TEST(RoundRobin, ExactlyEvenOverTheRemainingWhenSomeAreExcluded) {
    RoundRobin lb;
    auto counts = spread(lb, fleet(5), 3 * 500, exclude({"i1", "i3"}));
    EXPECT_EQ(counts, (std::map<std::string, int>{{"i0", 500}, {"i2", 500}, {"i4", 500}}));
}

TEST(AllBalancers, NeverChooseAnExcludedInstanceAndReturnNullWhenAllAre) {
    const InstanceSet set = fleet(10);
    const Excluded excluded = exclude({"i0", "i4", "i9"});
    for (auto rule : builtin_load_balancers()) {
        auto lb = make(rule);
        for (const std::string key : {"", "user-1", "user-2", "user-3"}) {
            RequestView request;
            request.affinity_key = key;
            auto counts = spread(*lb, set, 2000, excluded, request);
            for (const auto& [id, n] : counts) {
                EXPECT_FALSE(excluded.contains(id)) << rule << " chose " << id;
            }
        }
        Excluded all;
        for (const auto& i : set.instances) {
            all.ids.insert(i.instance_id);
        }
        EXPECT_EQ(lb->pick(set, RequestView{}, all), nullptr) << rule;
        EXPECT_EQ(lb->pick(InstanceSet{}, RequestView{}, Excluded{}), nullptr) << rule;
    }
}

TEST(RandomBalancer, RoughlyUniformAndDeterministicForASeed) {
    auto a = make("Random", 5);
    auto counts = spread(*a, fleet(4), 40000);
    for (const auto& [id, n] : counts) {
        EXPECT_NEAR(n, 10000, 500) << id;
    }
    auto b = make("Random", 5);
    auto c = make("Random", 5);
    EXPECT_EQ(spread(*b, fleet(4), 100), spread(*c, fleet(4), 100));
}

TEST(WeightedResponse, FasterInstancesGetMoreTraffic) {
    auto lb = make("WeightedResponse");
    const InstanceSet set = fleet(2);
    // i0 answers in 10 ms, i1 in 40 ms: weights 1/10 vs 1/40, so i0 gets ~80%.
    for (int i = 0; i < 20; ++i) {
        lb->on_attempt_end(set.instances[0], CallOutcome{200, false, milliseconds(10)});
        lb->on_attempt_end(set.instances[1], CallOutcome{200, false, milliseconds(40)});
    }
    auto counts = spread(*lb, set, 10000);
    EXPECT_NEAR(counts["i0"], 8000, 300);
    EXPECT_NEAR(counts["i1"], 2000, 300);
    auto* weighted = dynamic_cast<WeightedResponse*>(lb.get());
    ASSERT_NE(weighted, nullptr);
    EXPECT_DOUBLE_EQ(weighted->average_ms("i0"), 10);
    EXPECT_EQ(weighted->average_ms("unknown"), 0);
}

TEST(WeightedResponse, UnsampledInstancesGetTheBestWeightSeen) {
    auto lb = make("WeightedResponse");
    const InstanceSet set = fleet(3);
    lb->on_attempt_end(set.instances[0], CallOutcome{200, false, milliseconds(10)});
    lb->on_attempt_end(set.instances[1], CallOutcome{200, false, milliseconds(500)});
    // Weights 1/10, 1/500 and (unsampled i2) 1/10: i0 and i2 get ~49.5% each, i1 ~1%.
    auto counts = spread(*lb, set, 10000);
    EXPECT_NEAR(counts["i0"], 4950, 300);
    EXPECT_NEAR(counts["i2"], 4950, 300);
    EXPECT_NEAR(counts["i1"], 100, 60);
}

TEST(WeightedResponse, RetainForgetsInstancesGoneFromTheCache) {
    WeightedResponse lb(std::make_unique<SeededRng>(1));
    const InstanceSet set = fleet(2);
    lb.on_attempt_end(set.instances[0], CallOutcome{200, false, milliseconds(10)});
    lb.on_attempt_end(set.instances[1], CallOutcome{200, false, milliseconds(20)});
    lb.retain_instances({"i1"});
    EXPECT_EQ(lb.average_ms("i0"), 0);
    EXPECT_DOUBLE_EQ(lb.average_ms("i1"), 20);
}

TEST(SessionStickiness, SameKeySameInstanceUntilItIsExcluded) {
    auto lb = make("SessionStickiness");
    const InstanceSet set = fleet(5);
    RequestView alice;
    alice.affinity_key = "alice";
    const Instance* first = lb->pick(set, alice, Excluded{});
    ASSERT_NE(first, nullptr);
    for (int i = 0; i < 50; ++i) {
        EXPECT_EQ(lb->pick(set, alice, Excluded{})->instance_id, first->instance_id);
    }
    Excluded isolated;
    isolated.ids.insert(first->instance_id);
    const Instance* moved = lb->pick(set, alice, isolated);
    ASSERT_NE(moved, nullptr);
    EXPECT_NE(moved->instance_id, first->instance_id);
    EXPECT_EQ(lb->pick(set, alice, Excluded{})->instance_id, moved->instance_id)
        << "stays on the new instance";
}

TEST(SessionStickiness, RepicksWhenTheInstanceLeftTheSet) {
    SessionStickiness lb;
    InstanceSet set = fleet(3);
    RequestView bob;
    bob.affinity_key = "bob";
    std::string chosen = lb.pick(set, bob, Excluded{})->instance_id;
    InstanceSet smaller;
    for (const auto& i : set.instances) {
        if (i.instance_id != chosen) {
            smaller.instances.push_back(i);
        }
    }
    const Instance* again = lb.pick(smaller, bob, Excluded{});
    ASSERT_NE(again, nullptr);
    EXPECT_NE(again->instance_id, chosen);
    EXPECT_EQ(lb.sessions(), 1u);
}

TEST(LeastRequest, PrefersTheLessLoadedOfTwo) {
    auto lb = make("LeastRequest");
    const InstanceSet set = fleet(2);
    for (int i = 0; i < 5; ++i) {
        lb->on_attempt_start(set.instances[0]);
    }
    // With two candidates P2C always compares both, so the idle one always wins.
    auto counts = spread(*lb, set, 200);
    EXPECT_EQ(counts["i1"], 200);
    auto* least = dynamic_cast<LeastRequest*>(lb.get());
    EXPECT_EQ(least->active("i0"), 5);
    for (int i = 0; i < 5; ++i) {
        lb->on_attempt_end(set.instances[0], CallOutcome{});
    }
    EXPECT_EQ(least->active("i0"), 0);
}

TEST(LeastRequest, AnAbandonedAttemptEndsLikeAnyOther) {
    LeastRequest lb(std::make_unique<SeededRng>(1));
    const InstanceSet set = fleet(2);
    lb.on_attempt_start(set.instances[0]);
    lb.on_attempt_start(set.instances[0]);
    lb.on_attempt_abandoned(set.instances[0]);
    EXPECT_EQ(lb.active("i0"), 1);
    lb.on_attempt_abandoned(set.instances[0]);
    EXPECT_EQ(lb.active("i0"), 0);
}

TEST(LeastRequest, RetainForgetsInstancesGoneFromTheCache) {
    LeastRequest lb(std::make_unique<SeededRng>(1));
    const InstanceSet set = fleet(2);
    lb.on_attempt_start(set.instances[0]);  // outcomes never reported
    lb.on_attempt_start(set.instances[1]);
    lb.retain_instances({"i0"});
    EXPECT_EQ(lb.active("i0"), 1);
    EXPECT_EQ(lb.active("i1"), 0);
}

TEST(LeastRequest, SpreadsEvenlyWhenIdle) {
    auto lb = make("LeastRequest");
    auto counts = spread(*lb, fleet(4), 8000);
    for (const auto& [id, n] : counts) {
        EXPECT_NEAR(n, 2000, 250) << id;
    }
}

TEST(ConsistentHash, SameKeySameInstanceAndMinimalMovement) {
    ConsistentHash lb;
    const InstanceSet set = fleet(10);
    std::map<std::string, std::string> owner;
    for (int k = 0; k < 1000; ++k) {
        RequestView r;
        r.affinity_key = "key-" + std::to_string(k);
        owner[r.affinity_key] = lb.pick(set, r, Excluded{})->instance_id;
        EXPECT_EQ(lb.pick(set, r, Excluded{})->instance_id, owner[r.affinity_key]);
    }
    std::map<std::string, int> load;
    for (const auto& [key, id] : owner) {
        load[id] += 1;
    }
    EXPECT_EQ(load.size(), 10u);
    for (const auto& [id, n] : load) {
        EXPECT_GT(n, 40) << id << ": virtual nodes should spread keys";
    }
    // Excluding one instance moves only that instance's keys.
    Excluded excluded;
    excluded.ids.insert("i3");
    int moved = 0;
    for (const auto& [key, id] : owner) {
        RequestView r;
        r.affinity_key = key;
        const std::string now = lb.pick(set, r, excluded)->instance_id;
        if (id == "i3") {
            EXPECT_NE(now, "i3");
            ++moved;
        } else {
            EXPECT_EQ(now, id) << key;
        }
    }
    EXPECT_EQ(moved, load["i3"]);
}

TEST(ConsistentHash, HashIsStable) {
    EXPECT_EQ(stable_hash("abc"), stable_hash("abc"));
    EXPECT_NE(stable_hash("abc"), stable_hash("abd"));
    EXPECT_NE(stable_hash("abc", 1), stable_hash("abc", 2));
    EXPECT_NE(stable_hash(""), stable_hash(std::string_view("\0", 1)));
}

TEST(Factory, BuiltinListAndUnknownName) {
    std::vector<std::string_view> names(builtin_load_balancers().begin(),
                                        builtin_load_balancers().end());
    EXPECT_EQ(names, (std::vector<std::string_view>{"RoundRobin", "Random", "WeightedResponse",
                                                    "SessionStickiness", "LeastRequest",
                                                    "ConsistentHash"}));
    for (auto name : names) {
        auto lb = make(name);
        ASSERT_NE(lb, nullptr);
        EXPECT_EQ(lb->name(), name);
        EXPECT_TRUE(is_known_load_balancer(name));
    }
    auto unknown = make_load_balancer("Fastest", nullptr);
    EXPECT_EQ(unknown.balancer, nullptr);
    EXPECT_EQ(unknown.error,
              "unknown load balancer 'Fastest' (known: RoundRobin, Random, "
              "WeightedResponse, SessionStickiness, LeastRequest, "
              "ConsistentHash)");
    EXPECT_FALSE(is_known_load_balancer("roundrobin"));
}

}  // namespace
}  // namespace scagent::plugins::lb
