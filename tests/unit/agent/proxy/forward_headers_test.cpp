// What the proxy changes in a call's headers on the way to the provider.
#include <gtest/gtest.h>

#include <boost/beast/http/fields.hpp>
#include <nlohmann/json.hpp>

#include "agent/proxy/forward_headers.hpp"

namespace scagent::proxy {
namespace {

namespace http = boost::beast::http;

TEST(ForwardHeaders, HopByHopHeadersAndThoseNamedInConnectionGo) {
    http::fields fields;
    fields.set(http::field::connection, "keep-alive, X-Private ,Upgrade");
    fields.set("X-Private", "secret");
    fields.set(http::field::keep_alive, "timeout=5");
    fields.set(http::field::proxy_authorization, "Basic abc");
    fields.set(http::field::te, "trailers");
    fields.set(http::field::transfer_encoding, "chunked");
    fields.set(http::field::upgrade, "websocket");
    fields.set("traceparent", "00-1-2-01");
    fields.set("b3", "1-2-1");
    remove_hop_by_hop(fields);
    EXPECT_EQ(fields.count(http::field::connection), 0u);
    EXPECT_EQ(fields.count("X-Private"), 0u);
    EXPECT_EQ(fields.count(http::field::keep_alive), 0u);
    EXPECT_EQ(fields.count(http::field::proxy_authorization), 0u);
    EXPECT_EQ(fields.count(http::field::te), 0u);
    EXPECT_EQ(fields.count(http::field::transfer_encoding), 0u);
    EXPECT_EQ(fields.count(http::field::upgrade), 0u);
    EXPECT_EQ(fields["traceparent"], "00-1-2-01");
    EXPECT_EQ(fields["b3"], "1-2-1");
}

TEST(ForwardHeaders, CseContextGetsTheCallerAndKeepsItsOtherEntries) {
    auto merged = nlohmann::json::parse(merge_cse_context(R"({"x-cse-user":"u1"})", "cart"));
    EXPECT_EQ(merged["x-cse-src-microservice"], "cart");
    EXPECT_EQ(merged["x-cse-user"], "u1");
    // An app-supplied caller is replaced by the one the agent knows.
    merged =
        nlohmann::json::parse(merge_cse_context(R"({"x-cse-src-microservice":"forged"})", "cart"));
    EXPECT_EQ(merged["x-cse-src-microservice"], "cart");
    // No context yet: the caller alone (built without a JSON round trip).
    EXPECT_EQ(nlohmann::json::parse(merge_cse_context("", "cart")),
              nlohmann::json({{"x-cse-src-microservice", "cart"}}));
    // Unreadable context: replaced, not passed on broken.
    merged = nlohmann::json::parse(merge_cse_context("{not json", "cart"));
    EXPECT_EQ(merged, nlohmann::json({{"x-cse-src-microservice", "cart"}}));
}

TEST(ForwardHeaders, UpstreamHeadersDropTheAgentsOwnAndChainForwardedFor) {
    http::fields fields;
    fields.set("X-Sc-App", "shop");
    fields.set("X-Sc-Consumer", "cart");
    fields.set("X-Forwarded-For", "10.1.1.1");
    std::string added = "left from the last call";
    prepare_upstream_headers(fields, "cart", "127.0.0.1", added);
    EXPECT_EQ(fields.count("X-Sc-App"), 0u);
    EXPECT_EQ(fields.count("X-Sc-Consumer"), 0u);
    // A field the client sent is edited in place; one the call gains is an added line.
    EXPECT_EQ(fields["X-Forwarded-For"], "10.1.1.1, 127.0.0.1");
    EXPECT_EQ(fields.count("x-cse-context"), 0u);
    EXPECT_EQ(added, "x-cse-context: {\"x-cse-src-microservice\":\"cart\"}\r\n");

    http::fields anonymous;
    prepare_upstream_headers(anonymous, "", "127.0.0.1", added);
    EXPECT_EQ(anonymous.count("x-cse-context"), 0u);
    EXPECT_EQ(anonymous.count("X-Forwarded-For"), 0u);
    EXPECT_EQ(added, "X-Forwarded-For: 127.0.0.1\r\n");

    http::fields chained;
    chained.set("x-cse-context", R"({"x-cse-user":"u1"})");
    prepare_upstream_headers(chained, "cart", "10.0.0.9", added);
    const auto context = nlohmann::json::parse(std::string(chained["x-cse-context"]));
    EXPECT_EQ(context["x-cse-src-microservice"], "cart");
    EXPECT_EQ(context["x-cse-user"], "u1");
    EXPECT_EQ(added, "X-Forwarded-For: 10.0.0.9\r\n");
}

}  // namespace
}  // namespace scagent::proxy
