#include "tests/support/http_test_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>
#include <optional>

namespace scagent::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string TestResponse::header(const std::string& name) const {
    std::string key = name;
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto it = headers.find(key);
    return it == headers.end() ? std::string() : it->second;
}

nlohmann::json TestResponse::json() const {
    try {
        return nlohmann::json::parse(body);
    } catch (const std::exception& e) {
        throw std::runtime_error("response is not JSON (" + std::string(e.what()) + "): " + body);
    }
}

struct HttpTestClient::Impl {
    Impl(std::string h, std::uint16_t p, std::chrono::milliseconds t)
        : host(std::move(h)), port(p), timeout(t) {}

    /// Runs the queued async operations until done or the deadline; false on timeout.
    bool run() {
        ioc.restart();
        ioc.run_for(timeout);
        if (!ioc.stopped()) {
            stream.reset();  // closes the socket, cancelling what is left
            ioc.restart();
            ioc.run();
            return false;
        }
        return true;
    }

    beast::error_code connect() {
        stream.emplace(ioc);
        beast::error_code result = asio::error::timed_out;
        tcp::endpoint ep(asio::ip::make_address(host), port);
        stream->async_connect(ep, [&](beast::error_code ec) { result = ec; });
        run();
        if (result) {
            stream.reset();
        }
        return result;
    }

    std::string host;
    std::uint16_t port;
    std::chrono::milliseconds timeout;
    asio::io_context ioc;
    std::optional<beast::tcp_stream> stream;
    beast::flat_buffer buffer;
};

HttpTestClient::HttpTestClient(std::string host, std::uint16_t port,
                               std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(std::move(host), port, timeout)) {}

HttpTestClient::~HttpTestClient() = default;

void HttpTestClient::close() {
    impl_->stream.reset();
}

TestResponse HttpTestClient::request(http::verb method, const std::string& target,
                                     const std::string& body,
                                     const std::map<std::string, std::string>& headers) {
    auto& i = *impl_;
    TestResponse out;
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, i.host + ":" + std::to_string(i.port));
    for (const auto& [k, v] : headers) {
        req.set(k, v);
    }
    if (!body.empty() || method == http::verb::post || method == http::verb::put) {
        if (req.find(http::field::content_type) == req.end()) {
            req.set(http::field::content_type, "application/json");
        }
        req.body() = body;
    }
    req.prepare_payload();
    for (int attempt = 0; attempt < 2; ++attempt) {
        const bool reused = i.stream.has_value();
        if (!reused) {
            if (auto ec = i.connect()) {
                out.error = "connect: " + ec.message();
                return out;
            }
            ++connections_opened_;
            i.buffer.clear();
        }
        beast::error_code write_ec = asio::error::timed_out;
        beast::error_code read_ec = asio::error::timed_out;
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        if (method == http::verb::head) {
            parser.skip(true);
        }
        http::async_write(*i.stream, req, [&](beast::error_code ec, std::size_t) {
            write_ec = ec;
            if (ec) {
                return;
            }
            if (on_written_) {
                on_written_();
            }
            http::async_read(*i.stream, i.buffer, parser,
                             [&](beast::error_code rec, std::size_t) { read_ec = rec; });
        });
        const bool finished = i.run();
        if (!write_ec && !read_ec) {
            auto res = parser.release();
            out.status = res.result_int();
            out.body = res.body();
            for (const auto& field : res) {
                std::string key(field.name_string());
                std::transform(key.begin(), key.end(), key.begin(),
                               [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
                out.headers[key] = std::string(field.value());
            }
            if (!res.keep_alive()) {
                i.stream.reset();
            }
            return out;
        }
        i.stream.reset();
        out.error = !finished ? "timed out" : (write_ec ? write_ec : read_ec).message();
        // A kept-alive connection the server closed meanwhile: retry once on a fresh one.
        if (!reused || !finished) {
            return out;
        }
    }
    return out;
}

std::string HttpTestClient::raw(const std::string& bytes) {
    auto& i = *impl_;
    i.stream.reset();
    if (i.connect()) {
        return {};
    }
    ++connections_opened_;
    std::string received;
    std::array<char, 4096> chunk{};
    std::function<void(beast::error_code, std::size_t)> on_read = [&](beast::error_code ec,
                                                                      std::size_t n) {
        received.append(chunk.data(), n);
        if (!ec) {
            i.stream->async_read_some(asio::buffer(chunk), on_read);
        }
    };
    asio::async_write(*i.stream, asio::buffer(bytes), [&](beast::error_code ec, std::size_t) {
        // Even when the write fails (server closed early) there may be a response to read.
        (void)ec;
        i.stream->async_read_some(asio::buffer(chunk), on_read);
    });
    raw_timed_out_ = !i.run();
    i.stream.reset();
    return received;
}

}  // namespace scagent::test
