// How the proxy reads where a call goes and who makes it (spec: Proxy addressing and caller).
#include <gtest/gtest.h>

#include <vector>

#include "agent/proxy/call_target.hpp"

namespace scagent::proxy {
namespace {

const std::vector<LocalCaller> kOne{{"shop", "cart", "production"}};
const std::vector<LocalCaller> kTwo{{"shop", "cart", "production"}, {"ops", "billing", ""}};

CallTarget target_of(TargetRequest request, const std::vector<LocalCaller>& locals = kOne) {
    auto result = resolve_target(request, locals);
    if (const auto* error = std::get_if<ProxyError>(&result)) {
        ADD_FAILURE() << error->code << ": " << error->message;
        return {};
    }
    return std::get<CallTarget>(result);
}

std::string error_of(TargetRequest request, const std::vector<LocalCaller>& locals = kOne) {
    auto result = resolve_target(request, locals);
    const auto* error = std::get_if<ProxyError>(&result);
    return error == nullptr ? "(no error)" : error->code;
}

TEST(CallTarget, PathStyleTakesTheFirstSegmentAndForwardsTheRest) {
    auto target = target_of({.target = "/orders/items/7?x=1", .host = "127.0.0.1:30101"});
    EXPECT_EQ(target.service, "orders");
    EXPECT_EQ(target.path, "/items/7?x=1");
    EXPECT_EQ(target.app, "shop");
    EXPECT_EQ(target.environment, "production");
    EXPECT_EQ(target.caller, "cart");

    EXPECT_EQ(target_of({.target = "/orders", .host = "localhost"}).path, "/");
    EXPECT_EQ(target_of({.target = "/orders?q=1", .host = "[::1]:30101"}).path, "/?q=1");
}

TEST(CallTarget, HostStyleAndAbsoluteFormNameTheServiceInTheAuthority) {
    auto host_style = target_of({.target = "/items", .host = "orders"});
    EXPECT_EQ(host_style.service, "orders");
    EXPECT_EQ(host_style.path, "/items");

    auto absolute = target_of({.target = "http://orders:8080/a/b?c", .host = "orders:8080"});
    EXPECT_EQ(absolute.service, "orders");
    EXPECT_EQ(absolute.path, "/a/b?c");
    EXPECT_EQ(target_of({.target = "http://orders", .host = "orders"}).path, "/");

    // An absolute URI to the proxy's own address is path style.
    auto own = target_of({.target = "http://127.0.0.1:30101/orders/x", .host = "127.0.0.1"});
    EXPECT_EQ(own.service, "orders");
    EXPECT_EQ(own.path, "/x");
}

TEST(CallTarget, OnlyAWholeIpLiteralIsTheProxysOwnAddressWhateverTheHostBefore) {
    // Hosts alternate and repeat, as calls of clients on one loop do (the last answer is kept
    // per thread; a host too long to keep is answered each time).
    const std::string long_name(80, 'a');
    EXPECT_EQ(target_of({.target = "/orders/x", .host = "127.0.0.1"}).service, "orders");
    EXPECT_EQ(target_of({.target = "/x", .host = long_name}).service, long_name);
    EXPECT_EQ(target_of({.target = "/x", .host = long_name}).service, long_name);
    EXPECT_EQ(target_of({.target = "/orders/x", .host = "127.0.0.1"}).service, "orders");
    for (int round = 0; round < 4; ++round) {
        EXPECT_EQ(target_of({.target = "/x", .host = "1.2.3"}).service, "1.2.3");
        EXPECT_EQ(target_of({.target = "/orders/x", .host = "127.0.0.1:30101"}).service, "orders");
        EXPECT_EQ(target_of({.target = "/x", .host = "123"}).service, "123");
        EXPECT_EQ(target_of({.target = "/orders/x", .host = "[fe80::1]"}).service, "orders");
        EXPECT_EQ(target_of({.target = "/x", .host = "1.2.3.4.5"}).service, "1.2.3.4.5");
        EXPECT_EQ(target_of({.target = "/orders/x", .host = "[::ffff:10.0.0.1]:1"}).service,
                  "orders");
    }
}

TEST(CallTarget, AnAddressIsNeverAServiceName) {
    EXPECT_EQ(error_of({.target = "http://10.0.0.5:8080/", .host = "10.0.0.5:8080"}),
              "BAD_REQUEST");
    EXPECT_EQ(error_of({.target = "/", .host = "10.0.0.5:8080"}), "BAD_REQUEST");
    EXPECT_EQ(error_of({.target = "https://orders/", .host = "orders"}), "BAD_REQUEST");
    EXPECT_EQ(error_of({.target = "orders:443", .host = "orders"}), "BAD_REQUEST");
    EXPECT_EQ(error_of({.target = "/bad%20name/x", .host = "localhost"}), "BAD_REQUEST");
}

TEST(CallTarget, TheAppComesFromXScAppElseTheCaller) {
    EXPECT_EQ(target_of({.target = "/orders/x", .host = "localhost", .app = "other"}).app, "other");
    EXPECT_EQ(target_of({.target = "/orders/x", .host = "localhost"}, {}).app, "default");
    EXPECT_EQ(error_of({.target = "/orders/x", .host = "localhost", .app = "bad app!"}),
              "BAD_REQUEST");
}

TEST(CallTarget, WithSeveralLocalServicesTheCallerMustBeNamed) {
    EXPECT_EQ(error_of({.target = "/orders/x", .host = "localhost"}, kTwo), "CONSUMER_REQUIRED");
    auto named =
        target_of({.target = "/orders/x", .host = "localhost", .consumer = "billing"}, kTwo);
    EXPECT_EQ(named.caller, "billing");
    EXPECT_EQ(named.app, "ops");
    EXPECT_EQ(error_of({.target = "/orders/x", .host = "localhost", .consumer = "nobody"}, kTwo),
              "BAD_REQUEST");
    // A service's own listener decides, whatever the header says.
    auto own = target_of(
        {.target = "/orders/x", .host = "localhost", .consumer = "billing", .listen_as = "cart"},
        kTwo);
    EXPECT_EQ(own.caller, "cart");
    // No local service at all: nobody to name; the call still goes out.
    EXPECT_EQ(target_of({.target = "/orders/x", .host = "localhost"}, {}).caller, "");
}

}  // namespace
}  // namespace scagent::proxy
