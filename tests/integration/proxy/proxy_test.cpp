// The forwarding proxy end to end: an app's call to 127.0.0.1:<proxy> reaches a provider that
// the agent discovered in the dev registry, over real sockets, with retries, balancing and the
// agent's own error answers.
#include <atomic>
#include <condition_variable>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "tests/integration/proxy/proxy_fixture.hpp"

namespace scagent::test {
namespace {

/// A loopback port that refuses connections for as long as the object lives: bound, never
/// listening, so no other test can take it meanwhile.
class DeadPort {
  public:
    DeadPort() : socket_(ioc_) {
        socket_.open(boost::asio::ip::tcp::v4());
        socket_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    }
    std::uint16_t port() const { return socket_.local_endpoint().port(); }

  private:
    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::socket socket_;
};

/// A provider that answers every request with `size` bytes of body, written 64 KiB at a time
/// from one buffer: it never holds the answer in memory, so the test process's memory is the
/// agent's (and the reader's).
class StreamingUpstream {
  public:
    /// `close_delimited`: no Content-Length, the close marks the end (old servers, CGI).
    explicit StreamingUpstream(std::size_t size, bool close_delimited = false)
        : size_(size),
          close_delimited_(close_delimited),
          acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}),
          thread_([this] {
              boost::asio::co_spawn(ioc_, accept(), boost::asio::detached);
              ioc_.run();
          }) {}
    ~StreamingUpstream() {
        boost::asio::post(ioc_, [this] { ioc_.stop(); });
        thread_.join();
    }
    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  private:
    boost::asio::awaitable<void> accept() {
        for (;;) {
            auto [ec, socket] =
                co_await acceptor_.async_accept(boost::asio::as_tuple(boost::asio::use_awaitable));
            if (ec) {
                co_return;
            }
            boost::asio::co_spawn(ioc_, answer(std::move(socket)), boost::asio::detached);
        }
    }
    boost::asio::awaitable<void> answer(boost::asio::ip::tcp::socket socket) {
        const auto token = boost::asio::as_tuple(boost::asio::use_awaitable);
        std::string head;
        auto [read_ec, n] = co_await boost::asio::async_read_until(
            socket, boost::asio::dynamic_buffer(head), "\r\n\r\n", token);
        if (read_ec) {
            co_return;
        }
        const std::string header =
            close_delimited_
                ? std::string("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
                : "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(size_) + "\r\n\r\n";
        co_await boost::asio::async_write(socket, boost::asio::buffer(header), token);
        const std::string chunk(64 * 1024, 'z');
        for (std::size_t sent = 0; sent < size_;) {
            const auto part = std::min(chunk.size(), size_ - sent);
            auto [ec, written] = co_await boost::asio::async_write(
                socket, boost::asio::buffer(chunk.data(), part), token);
            if (ec) {
                co_return;
            }
            sent += written;
        }
        boost::system::error_code ignored;
        socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    }

    std::size_t size_;
    bool close_delimited_;
    boost::asio::io_context ioc_{1};
    boost::asio::ip::tcp::acceptor acceptor_;
    std::thread thread_;
};

/// A client that sends one request on its own socket and reads the answer when told, counting
/// and dropping the bytes (nothing kept).
class DrainingClient {
  public:
    DrainingClient(std::uint16_t port, const std::string& target) : socket_(ioc_) {
        socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
        // A stuck answer fails the test instead of hanging it.
        const timeval limit{30, 0};
        ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        const std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        boost::asio::write(socket_, boost::asio::buffer(request));
    }
    /// Reads until the server closes or the answer's Content-Length is complete; the body size.
    std::size_t read_all() {
        std::vector<char> buffer(64 * 1024);
        std::string head;
        std::size_t body = 0;
        std::optional<std::size_t> length;
        for (;;) {
            boost::system::error_code ec;
            const auto n = socket_.read_some(boost::asio::buffer(buffer), ec);
            if (ec) {
                return body;
            }
            if (!length) {
                head.append(buffer.data(), n);
                const auto end = head.find("\r\n\r\n");
                if (end == std::string::npos) {
                    continue;
                }
                const auto at = head.find("Content-Length: ");
                length = at == std::string::npos
                             ? 0
                             : std::stoull(head.substr(at + 16, head.find("\r\n", at) - at - 16));
                body = head.size() - end - 4;
            } else {
                body += n;
            }
            if (body >= *length) {
                return body;
            }
        }
    }

  private:
    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::socket socket_;
};

/// A line of /proc/self/status in bytes ("VmRSS", "VmHWM").
std::size_t status_bytes(const std::string& field) {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind(field + ":", 0) == 0) {
            return std::stoull(line.substr(field.size() + 1)) * 1024;
        }
    }
    return 0;
}

TEST_F(ProxyTest, PathStyleHostStyleAndAbsoluteUriReachTheProvider) {
    auto provider = Upstream::named("orders-a");
    const auto sid = registry.create_service("orders");
    registry.add_instance(sid, provider->port());
    auto agent = start_agent();
    auto proxy = agent->proxy();

    auto path_style = proxy.get("/orders/items?id=7");
    ASSERT_EQ(path_style.status, 200) << path_style.body;
    EXPECT_EQ(path_style.body, "orders-a");
    EXPECT_EQ(provider->last().target, "/items?id=7");

    auto host_style = proxy.get("/items", {{"Host", "orders"}});
    ASSERT_EQ(host_style.status, 200) << host_style.body;
    EXPECT_EQ(provider->last().target, "/items");

    auto absolute = proxy.get("http://orders/list", {{"Host", "orders"}});
    ASSERT_EQ(absolute.status, 200) << absolute.body;
    EXPECT_EQ(provider->last().target, "/list");

    // What the provider sees: the caller in x-cse-context, the client in X-Forwarded-For, and
    // none of the agent's own request headers.
    auto traced = proxy.get("/orders/t", {{"traceparent",
                                           "00-0af7651916cd43dd8448eb211c80319c-"
                                           "b7ad6b7169203331-01"},
                                          {"X-Sc-Consumer", "cart"},
                                          {"x-cse-context", R"({"x-cse-user":"u1"})"}});
    ASSERT_EQ(traced.status, 200);
    const auto seen = provider->last();
    ASSERT_NE(seen.header("x-cse-context"), nullptr);
    const auto context = nlohmann::json::parse(*seen.header("x-cse-context"));
    EXPECT_EQ(context["x-cse-src-microservice"], "cart");
    EXPECT_EQ(context["x-cse-user"], "u1");
    ASSERT_NE(seen.header("X-Forwarded-For"), nullptr);
    EXPECT_EQ(*seen.header("X-Forwarded-For"), "127.0.0.1");
    EXPECT_EQ(seen.header("X-Sc-Consumer"), nullptr);
    ASSERT_NE(seen.header("traceparent"), nullptr);
}

TEST_F(ProxyTest, UnknownServiceAndUndiscoveredHostsGetTheAgentsErrorsAndAreNeverDialled) {
    auto bystander = Upstream::named("not-a-provider");
    auto agent = start_agent();
    auto proxy = agent->proxy();

    auto unknown = proxy.get("/nosuch/x");
    EXPECT_EQ(unknown.status, 503);
    EXPECT_EQ(unknown.header("x-sc-agent-error"), "NO_INSTANCE");
    EXPECT_EQ(unknown.json()["error"]["code"], "NO_INSTANCE");

    // An address instead of a service name: the proxy never dials what it did not discover.
    const auto address = "127.0.0.1:" + std::to_string(bystander->port());
    auto by_address = proxy.get("http://" + address + "/", {{"Host", address}});
    EXPECT_EQ(by_address.status, 400) << by_address.body;
    EXPECT_EQ(by_address.header("x-sc-agent-error"), "BAD_REQUEST");
    auto by_host = proxy.get("/", {{"Host", address}});
    EXPECT_EQ(by_host.status, 400) << by_host.body;
    EXPECT_EQ(bystander->accepted(), 0);
}

TEST_F(ProxyTest, OnAHostWithTwoServicesTheCallerMustBeNamed) {
    auto provider = Upstream::named("orders");
    registry.add_instance(registry.create_service("orders"), provider->port());
    dir.write("services.d/billing.yaml",
              descriptor_yaml("billing", "  proxy:\n    listen: 127.0.0.1:0\n"));
    auto agent = start_agent();
    ASSERT_EQ(agent->proxy_ports().size(), 2u);
    auto proxy = agent->proxy();

    auto anonymous = proxy.get("/orders/x");
    EXPECT_EQ(anonymous.status, 400);
    EXPECT_EQ(anonymous.header("x-sc-agent-error"), "CONSUMER_REQUIRED");

    auto stranger = proxy.get("/orders/x", {{"X-Sc-Consumer", "nobody"}});
    EXPECT_EQ(stranger.status, 400);
    EXPECT_EQ(stranger.header("x-sc-agent-error"), "BAD_REQUEST");

    auto named = proxy.get("/orders/x", {{"X-Sc-Consumer", "cart"}});
    ASSERT_EQ(named.status, 200) << named.body;
    EXPECT_EQ(
        nlohmann::json::parse(*provider->last().header("x-cse-context"))["x-cse-src-microservice"],
        "cart");

    // billing's own listener calls as billing without any header.
    HttpTestClient billing_proxy("127.0.0.1", agent->proxy_ports().at(1));
    auto own = billing_proxy.get("/orders/x");
    ASSERT_EQ(own.status, 200) << own.body;
    EXPECT_EQ(
        nlohmann::json::parse(*provider->last().header("x-cse-context"))["x-cse-src-microservice"],
        "billing");
}

TEST_F(ProxyTest, KeepAliveReusesUpstreamConnectionsAndRoundRobinSpreadsCalls) {
    auto a = Upstream::named("a");
    auto b = Upstream::named("b");
    const auto sid = registry.create_service("orders");
    registry.add_instance(sid, a->port());
    registry.add_instance(sid, b->port());
    auto agent = start_agent();
    auto proxy = agent->proxy();

    std::map<std::string, int> answers;
    constexpr int kCalls = 100;
    for (int i = 0; i < kCalls; ++i) {
        auto response = proxy.get("/orders/x");
        ASSERT_EQ(response.status, 200) << response.body;
        ++answers[response.body];
    }
    EXPECT_EQ(answers["a"], kCalls / 2);
    EXPECT_EQ(answers["b"], kCalls / 2);
    // One client connection, calls in sequence: one upstream connection per instance.
    EXPECT_EQ(a->accepted(), 1);
    EXPECT_EQ(b->accepted(), 1);
}

TEST_F(ProxyTest, ADeadInstanceIsRetriedAround) {
    auto live = Upstream::named("live");
    const auto sid = registry.create_service("orders");
    registry.add_instance(sid, live->port());
    DeadPort dead;
    registry.add_instance(sid, dead.port());
    auto agent = start_agent();
    auto proxy = agent->proxy();

    for (int i = 0; i < 20; ++i) {
        auto response = proxy.get("/orders/x");
        ASSERT_EQ(response.status, 200) << "call " << i << ": " << response.body;
        EXPECT_EQ(response.body, "live");
    }
    auto metrics = agent->api().get("/metrics").body;
    EXPECT_NE(
        metrics.find(R"(sc_agent_proxy_upstream_errors_total{reason="connect",service="orders"})"),
        std::string::npos)
        << metrics;
}

TEST_F(ProxyTest, WithARetryPolicyA503IsRetriedOnTheOtherInstance) {
    auto failing = std::make_unique<Upstream>([](const FakeRequest&) {
        FakeReply reply;
        reply.status = 503;
        reply.body = "busy";
        return reply;
    });
    auto healthy = Upstream::named("healthy");
    const auto sid = registry.create_service("orders");
    registry.add_instance(sid, failing->port());
    registry.add_instance(sid, healthy->port());
    auto agent = start_agent(
        "servicecomb.matchGroup.everything: \"matches:\\n  - apiPath: {prefix: /}\\n\"\n"
        "servicecomb.retry.everything: \"maxAttempts: 2\\n\"\n");
    auto proxy = agent->proxy();

    // POST is not idempotent: a 503 is its answer. Round robin sends one of two there.
    int answered_503 = 0;
    for (int i = 0; i < 2; ++i) {
        answered_503 += proxy.post("/orders/x", "{}").status == 503 ? 1 : 0;
    }
    EXPECT_EQ(answered_503, 1);

    // GET is retried on the other instance (and the failing one is soon isolated).
    for (int i = 0; i < 10; ++i) {
        auto response = proxy.get("/orders/x");
        ASSERT_EQ(response.status, 200) << "call " << i << ": " << response.body;
        EXPECT_EQ(response.body, "healthy");
    }
    EXPECT_GE(failing->requests(), 2);
    auto metrics = agent->api().get("/metrics").body;
    EXPECT_EQ(metrics.find(R"(sc_agent_proxy_retries_total{service="orders"} 0)"),
              std::string::npos)
        << metrics;
}

TEST_F(ProxyTest, ATryPastTheTimeLimiterAnswers504) {
    auto hanging = std::make_unique<Upstream>([](const FakeRequest&) {
        FakeReply reply;
        reply.action = FakeReply::Action::hang;
        return reply;
    });
    registry.add_instance(registry.create_service("orders"), hanging->port());
    auto agent = start_agent(
        "servicecomb.matchGroup.everything: \"matches:\\n  - apiPath: {prefix: /}\\n\"\n"
        "servicecomb.timeLimiter.everything: \"timeoutDuration: 200\\n\"\n");
    auto response = agent->proxy().get("/orders/slow");
    EXPECT_EQ(response.status, 504) << response.body;
    EXPECT_EQ(response.header("x-sc-agent-error"), "UPSTREAM_TIMEOUT");
    EXPECT_EQ(hanging->requests(), 1);
}

/// Two versions of "orders", each with one instance answering its version.
struct TwoVersions {
    std::unique_ptr<Upstream> v1 = Upstream::named("1.0.0");
    std::unique_ptr<Upstream> v2 = Upstream::named("2.0.0");
    explicit TwoVersions(RegistryRunner& registry) {
        registry.add_instance(registry.create_service("orders", "1.0.0"), v1->port());
        registry.add_instance(registry.create_service("orders", "2.0.0"), v2->port());
    }
};

TEST_F(ProxyTest, ARouteRuleSplitsCallsByWeight) {
    TwoVersions versions(registry);
    auto agent = start_agent(
        "servicecomb.routeRule.orders: |\n"
        "  - precedence: 1\n"
        "    route:\n"
        "      - {weight: 20, tags: {version: 1.0.0}}\n"
        "      - {weight: 80, tags: {version: 2.0.0}}\n");
    auto proxy = agent->proxy();
    std::map<std::string, int> answers;
    constexpr int kCalls = 10'000;
    for (int i = 0; i < kCalls; ++i) {
        auto response = proxy.get("/orders/x");
        ASSERT_EQ(response.status, 200) << response.body;
        ++answers[response.body];
    }
    // ±3 % of the calls around 20/80.
    EXPECT_NEAR(answers["1.0.0"], kCalls * 20 / 100, kCalls * 3 / 100);
    EXPECT_NEAR(answers["2.0.0"], kCalls * 80 / 100, kCalls * 3 / 100);
}

TEST_F(ProxyTest, AHeaderRuleSendsMatchingCallsToTheirVersion) {
    TwoVersions versions(registry);
    auto agent = start_agent(
        "servicecomb.routeRule.orders: |\n"
        "  - precedence: 2\n"
        "    match:\n"
        "      headers:\n"
        "        canary: {exact: \"yes\"}\n"
        "    route:\n"
        "      - {weight: 100, tags: {version: 2.0.0}}\n"
        "  - precedence: 1\n"
        "    route:\n"
        "      - {weight: 100, tags: {version: 1.0.0}}\n");
    auto proxy = agent->proxy();
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(proxy.get("/orders/x", {{"canary", "yes"}}).body, "2.0.0");
        EXPECT_EQ(proxy.get("/orders/x").body, "1.0.0");
        EXPECT_EQ(proxy.get("/orders/x", {{"canary", "no"}}).body, "1.0.0");
    }
}

TEST_F(ProxyTest, AnIsolatedInstanceReceivesNothing) {
    auto broken = std::make_unique<Upstream>([](const FakeRequest&) {
        FakeReply reply;
        reply.status = 500;
        return reply;
    });
    auto healthy = Upstream::named("healthy");
    const auto sid = registry.create_service("orders");
    registry.add_instance(sid, broken->port());
    registry.add_instance(sid, healthy->port());
    auto agent = start_agent();
    auto proxy = agent->proxy();
    // Without a retry policy the 500s reach the client until isolation (3 failures in a row).
    int failures = 0;
    for (int i = 0; i < 10; ++i) {
        failures += proxy.get("/orders/x").status == 500 ? 1 : 0;
    }
    EXPECT_EQ(failures, 3);
    const int seen = broken->requests();
    for (int i = 0; i < 50; ++i) {
        auto response = proxy.get("/orders/x");
        ASSERT_EQ(response.status, 200);
        EXPECT_EQ(response.body, "healthy");
    }
    EXPECT_EQ(broken->requests(), seen);
}

TEST_F(ProxyTest, AProviderKilledUnderLoadCostsAtMostTheCallsInFlightOnIt) {
    auto survivor = Upstream::named("survivor");
    auto victim = Upstream::named("victim");
    const auto sid = registry.create_service("orders");
    registry.add_instance(sid, survivor->port());
    registry.add_instance(sid, victim->port());
    auto agent = start_agent();
    const auto port = agent->proxy_ports().at(0);

    constexpr int kClients = 4;
    constexpr int kCallsEach = 150;
    std::atomic<int> answered{0};
    std::atomic<int> failed{0};
    std::atomic<int> completed{0};
    std::promise<void> third_through;
    std::mutex killed_mutex;
    std::condition_variable killed_changed;
    bool killed = false;
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&] {
            HttpTestClient client("127.0.0.1", port);
            for (int i = 0; i < kCallsEach; ++i) {
                auto response = client.get("/orders/x");
                if (response.status == 200) {
                    ++answered;
                } else {
                    ++failed;
                }
                if (++completed == 100) {
                    // This client holds still until the kill; the others keep calling, so
                    // the kill lands mid-load.
                    third_through.set_value();
                    std::unique_lock lock(killed_mutex);
                    killed_changed.wait(lock, [&] { return killed; });
                }
            }
        });
    }
    // Kill once a sixth of the load is through (counted, not timed).
    third_through.get_future().wait();
    const int survivor_before_kill = survivor->requests();
    victim->kill();
    // Read after the kill: every call the victim answered is in it (read before, one answered
    // between the read and the kill would be counted nowhere).
    const int victim_served = victim->requests();
    {
        std::lock_guard lock(killed_mutex);
        killed = true;
    }
    killed_changed.notify_all();
    for (auto& client : clients) {
        client.join();
    }
    EXPECT_LE(failed.load(), kClients) << "only calls in flight on the killed instance may fail";
    // The kill hit an instance in use, and the survivor took the rest of the load.
    EXPECT_GT(victim_served, 0);
    EXPECT_GE(survivor->requests() - survivor_before_kill,
              kClients * kCallsEach - survivor_before_kill - victim_served - failed.load());
}

TEST_F(ProxyTest, AHundredMebibyteAnswerPassesWithoutGrowingTheAgent) {
    constexpr std::size_t kSize = 100u * 1024 * 1024;
    StreamingUpstream provider(kSize);
    registry.add_instance(registry.create_service("orders"), provider.port());
    auto warm = Upstream::named("warm");
    registry.add_instance(registry.create_service("warm"), warm->port());
    auto agent = start_agent();
    ASSERT_EQ(agent->proxy().get("/warm/up").status, 200);  // threads, buffers, first lookups

    // Reset the peak to the current size, so the peak read below is this transfer's.
    std::ofstream("/proc/self/clear_refs") << "5";
    const auto before = status_bytes("VmRSS");
    DrainingClient client(agent->proxy_ports().at(0), "/orders/big");
    EXPECT_EQ(client.read_all(), kSize);
    const auto peak = status_bytes("VmHWM");
#if defined(__SANITIZE_ADDRESS__)
    (void)before;
    (void)peak;  // ASan's quarantine and shadow memory make RSS meaningless here
#else
    EXPECT_LT(peak - std::min(peak, before), 16u * 1024 * 1024)
        << "peak " << peak / 1024 << " KiB, before " << before / 1024 << " KiB";
#endif
}

TEST_F(ProxyTest, ASlowReaderDelaysOnlyItself) {
    StreamingUpstream big(32u * 1024 * 1024);
    registry.add_instance(registry.create_service("big"), big.port());
    auto orders = Upstream::named("orders");
    registry.add_instance(registry.create_service("orders"), orders->port());
    auto agent = start_agent();
    ASSERT_EQ(agent->proxy().get("/orders/warm-up").status, 200);

    // The slow client asks for 32 MiB and reads nothing: every buffer on its path fills up.
    DrainingClient slow(agent->proxy_ports().at(0), "/big/file");
    auto proxy = agent->proxy();
    for (int i = 0; i < 20; ++i) {
        auto response = proxy.get("/orders/x");
        ASSERT_EQ(response.status, 200)
            << "call " << i << " while a reader stalls: " << response.error;
    }
    EXPECT_EQ(slow.read_all(), 32u * 1024 * 1024);
}

TEST_F(ProxyTest, HeadNoContentAndAKeptConnectionTheServerDroppedAllWork) {
    std::atomic<bool> drop_next{false};
    auto provider = std::make_unique<Upstream>([&drop_next](const FakeRequest& request) {
        FakeReply reply;
        if (drop_next.exchange(false)) {
            // The server closes a kept connection just as a request arrives on it (its idle
            // timeout racing the proxy): no answer byte.
            reply.action = FakeReply::Action::drop;
            return reply;
        }
        reply.status = request.target == "/empty" ? 204 : 200;
        reply.body = request.target == "/empty" ? "" : "body";
        return reply;
    });
    registry.add_instance(registry.create_service("orders"), provider->port());
    auto agent = start_agent();
    auto proxy = agent->proxy();

    auto head = proxy.request(boost::beast::http::verb::head, "/orders/x");
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.body, "");
    EXPECT_EQ(head.header("content-length"), "4");
    auto empty = proxy.get("/orders/empty");
    EXPECT_EQ(empty.status, 204);
    EXPECT_EQ(proxy.get("/orders/x").body, "body");  // the client connection still serves

    // Not the instance's fault: the call is sent again on a new connection and answers.
    const int accepted = provider->accepted();
    drop_next = true;
    auto after = proxy.get("/orders/x");
    EXPECT_EQ(after.status, 200) << after.body;
    EXPECT_EQ(after.body, "body");
    EXPECT_EQ(provider->accepted(), accepted + 1);
}

TEST_F(ProxyTest, AnAnswerWithoutLengthReachesHttp11AndHttp10Clients) {
    constexpr std::size_t kSize = 300 * 1024 + 5;
    StreamingUpstream provider(kSize, /*close_delimited=*/true);
    registry.add_instance(registry.create_service("orders"), provider.port());
    auto agent = start_agent();

    // HTTP/1.1: re-framed as chunked, the client's connection stays usable.
    auto chunked = agent->proxy().get("/orders/x");
    ASSERT_EQ(chunked.status, 200) << chunked.error;
    EXPECT_EQ(chunked.header("transfer-encoding"), "chunked");
    EXPECT_EQ(chunked.body.size(), kSize);

    // HTTP/1.0 knows no chunks: the body ends with the close.
    HttpTestClient raw("127.0.0.1", agent->proxy_ports().at(0));
    const auto answer = raw.raw("GET /orders/x HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    const auto end = answer.find("\r\n\r\n");
    ASSERT_NE(end, std::string::npos) << answer.substr(0, 200);
    EXPECT_EQ(answer.substr(0, 15), "HTTP/1.0 200 OK");
    EXPECT_EQ(answer.substr(0, end).find("chunked"), std::string::npos);
    EXPECT_EQ(answer.size() - end - 4, kSize);
}

TEST_F(ProxyTest, AClientThatExpectsContinueGetsItAndItsAnswer) {
    auto provider = std::make_unique<Upstream>([](const FakeRequest& request) {
        FakeReply reply;
        reply.body = "got " + request.body;
        return reply;
    });
    registry.add_instance(registry.create_service("orders"), provider->port());
    auto agent = start_agent();
    HttpTestClient raw("127.0.0.1", agent->proxy_ports().at(0));
    const auto answer = raw.raw(
        "POST /orders/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n"
        "Expect: 100-continue\r\nConnection: close\r\n\r\n{}");
    EXPECT_EQ(answer.rfind("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK", 0), 0u) << answer;
    EXPECT_NE(answer.find("got {}"), std::string::npos) << answer;
    EXPECT_EQ(provider->last().header("Expect"), nullptr);  // the body went with the head
}

/// Answers "<method> <bytes> <sum of the bytes>" for the body it received.
std::unique_ptr<Upstream> body_counter(int status = 200) {
    return std::make_unique<Upstream>([status](const FakeRequest& request) {
        std::uint64_t sum = 0;
        for (const unsigned char c : request.body) {
            sum += c;
        }
        FakeReply reply;
        reply.status = status;
        reply.body =
            request.method + " " + std::to_string(request.body.size()) + " " + std::to_string(sum);
        return reply;
    });
}

/// `size` bytes that are not all alike, and what body_counter answers for them.
std::pair<std::string, std::string> upload_of(const std::string& method, std::size_t size) {
    std::string body(size, '\0');
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < size; ++i) {
        body[i] = static_cast<char>('a' + i % 26);
        sum += static_cast<unsigned char>(body[i]);
    }
    return {body, method + " " + std::to_string(size) + " " + std::to_string(sum)};
}

TEST_F(ProxyTest, ABodyAboveMaxRetryBodyStreamsWholeAndIsNeverSentTwice) {
    auto failing = body_counter(503);
    auto healthy = body_counter();
    const auto sid = registry.create_service("orders");
    registry.add_instance(sid, failing->port());
    registry.add_instance(sid, healthy->port());
    auto agent = start_agent(
        "servicecomb.matchGroup.everything: \"matches:\\n  - apiPath: {prefix: /}\\n\"\n"
        "servicecomb.retry.everything: \"maxAttempts: 2\\n\"\n",
        "proxy:\n  max_retry_body: 1KiB\n");
    auto proxy = agent->proxy();

    // A small PUT is kept and retried on the healthy instance, whichever was picked first.
    const auto [small, small_echo] = upload_of("PUT", 512);
    for (int i = 0; i < 2; ++i) {
        const auto answer = proxy.put("/orders/x", small);
        EXPECT_EQ(answer.status, 200) << answer.body;
        EXPECT_EQ(answer.body, small_echo);
    }
    // A large PUT streams: round robin sends one of two to the failing instance, and its 503
    // is the answer, since the body cannot be sent again.
    const auto [large, large_echo] = upload_of("PUT", 300 * 1024);
    const int failing_before = failing->requests();
    int answered_503 = 0;
    for (int i = 0; i < 2; ++i) {
        const auto answer = proxy.put("/orders/x", large);
        if (answer.status == 503) {
            ++answered_503;
        } else {
            EXPECT_EQ(answer.status, 200) << answer.body;
            EXPECT_EQ(answer.body, large_echo);
        }
    }
    EXPECT_EQ(answered_503, failing->requests() - failing_before);
    EXPECT_LE(answered_503, 1);
    EXPECT_EQ(healthy->last().header("Transfer-Encoding"), nullptr);
    ASSERT_NE(healthy->last().header("Content-Length"), nullptr);
    EXPECT_EQ(*healthy->last().header("Content-Length"), std::to_string(large.size()));
}

TEST_F(ProxyTest, AChunkedUploadStreamsAsChunksAndAWaitingClientGetsContinueFirst) {
    auto provider = body_counter();
    registry.add_instance(registry.create_service("orders"), provider->port());
    auto agent = start_agent("", "proxy:\n  max_retry_body: 1KiB\n");
    const auto [body, echo] = upload_of("POST", 100 * 1024);
    std::string chunked;
    for (std::size_t at = 0; at < body.size(); at += 7000) {
        const auto piece = body.substr(at, 7000);
        std::ostringstream size;
        size << std::hex << piece.size();
        chunked += size.str() + "\r\n" + piece + "\r\n";
    }
    chunked += "0\r\n\r\n";
    HttpTestClient raw("127.0.0.1", agent->proxy_ports().at(0));
    const auto answer = raw.raw(
        "POST /orders/up HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
        "Expect: 100-continue\r\nConnection: close\r\n\r\n" +
        chunked);
    EXPECT_EQ(answer.rfind("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK", 0), 0u)
        << answer.substr(0, 300);
    EXPECT_NE(answer.find(echo), std::string::npos) << answer.substr(0, 300);
    ASSERT_NE(provider->last().header("Transfer-Encoding"), nullptr);
    EXPECT_EQ(*provider->last().header("Transfer-Encoding"), "chunked");
    EXPECT_EQ(provider->last().header("Expect"), nullptr);
}

TEST_F(ProxyTest, PastMaxConnectionsANewClientWaitsInTheBacklogUntilOneCloses) {
    auto provider = Upstream::named("ok");
    registry.add_instance(registry.create_service("orders"), provider->port());
    auto agent = start_agent("", "limits:\n  max_connections: 1\n");
    const auto port = agent->proxy_ports().at(0);
    auto first = std::make_unique<HttpTestClient>("127.0.0.1", port);
    ASSERT_EQ(first->get("/orders/x").status, 200);  // stays open (keep-alive)

    auto second =
        std::make_unique<HttpTestClient>("127.0.0.1", port, std::chrono::milliseconds(300));
    second->raw("GET /orders/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    EXPECT_TRUE(second->raw_timed_out()) << "served past limits.max_connections";

    first.reset();
    second.reset();
    HttpTestClient third("127.0.0.1", port);
    EXPECT_EQ(third.get("/orders/x").status, 200);
}

TEST_F(ProxyTest, AnUnreachableOnlyInstanceGetsUpstreamUnreachable) {
    const auto sid = registry.create_service("orders");
    DeadPort dead;
    registry.add_instance(sid, dead.port());
    auto agent = start_agent();
    auto proxy = agent->proxy();
    auto response = proxy.get("/orders/x");
    EXPECT_EQ(response.status, 502) << response.body;
    EXPECT_EQ(response.header("x-sc-agent-error"), "UPSTREAM_UNREACHABLE");
}

TEST_F(ProxyTest, MalformedRequestsGetA4xxAndTheProxyKeepsServing) {
    auto provider = Upstream::named("ok");
    registry.add_instance(registry.create_service("orders"), provider->port());
    auto agent = start_agent();
    auto proxy = agent->proxy();

    const auto garbage = proxy.raw("NOT HTTP AT ALL\r\n\r\n");
    EXPECT_NE(garbage.find("400"), std::string::npos) << garbage;
    const auto huge_header = proxy.raw(
        "GET /orders/x HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(64 * 1024, 'x') + "\r\n\r\n");
    EXPECT_NE(huge_header.find("431"), std::string::npos) << huge_header.substr(0, 200);
    // A request that never ends: the proxy waits for it without blocking anyone else.
    HttpTestClient patient("127.0.0.1", agent->proxy_ports().at(0), std::chrono::milliseconds(300));
    const auto half = patient.raw("GET /orders/x HTTP/1.1\r\nHost: 12");
    EXPECT_EQ(half.find("200"), std::string::npos);

    auto after = proxy.get("/orders/x");
    EXPECT_EQ(after.status, 200) << after.body;
}

TEST_F(ProxyTest, ALargeAnswerIsStreamedWhole) {
    const std::string big(4 * 1024 * 1024 + 7, 'z');
    auto provider = std::make_unique<Upstream>([&big](const FakeRequest&) {
        FakeReply reply;
        reply.body = big;
        return reply;
    });
    registry.add_instance(registry.create_service("orders"), provider->port());
    auto agent = start_agent();
    auto response = agent->proxy().get("/orders/big");
    ASSERT_EQ(response.status, 200) << response.error;
    EXPECT_EQ(response.body.size(), big.size());
    EXPECT_EQ(response.body, big);
}

TEST_F(ProxyTest, AClientSilentBetweenCallsIsClosedButACallLongerThanTheLimitIsNot) {
    // The provider takes longer than the client idle limit: the limit is for silence between
    // calls, not for a call in flight.
    auto provider = std::make_unique<Upstream>([](const FakeRequest&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(700));
        FakeReply reply;
        reply.body = "slow but whole";
        return reply;
    });
    registry.add_instance(registry.create_service("orders"), provider->port());
    auto agent = start_agent("", "proxy:\n  client_idle_timeout: 300ms\n");
    ASSERT_EQ(agent->proxy().get("/orders/warm").status,
              200);  // discovered before the clock counts

    HttpTestClient client("127.0.0.1", agent->proxy_ports().at(0), std::chrono::seconds(20));
    const auto answer = client.raw("GET /orders/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    EXPECT_NE(answer.find("HTTP/1.1 200"), std::string::npos) << answer;
    EXPECT_NE(answer.find("slow but whole"), std::string::npos) << answer;
    // Then the connection, kept alive and silent, is closed by the proxy (raw() returns at the
    // close; without the limit it would wait its 20 s).
    EXPECT_FALSE(client.raw_timed_out());
}

}  // namespace
}  // namespace scagent::test
