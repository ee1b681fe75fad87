#include "tests/support/ws_test_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace scagent::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// Handlers capture a raw Impl*: the io thread is joined before Impl dies, and a shared_ptr in a
// handler stored inside Impl's own io_context would be a reference cycle.
struct WsTestClient::Impl {
    asio::io_context ioc;
    std::optional<websocket::stream<beast::tcp_stream>> ws;
    beast::flat_buffer buffer;
    std::thread thread;

    std::mutex mutex;
    std::condition_variable cv;
    std::deque<std::string> frames;
    bool closed = false;
    std::uint64_t pings = 0;

    void read_loop() {
        ws->async_read(buffer, [self = this](beast::error_code ec, std::size_t) {
            std::lock_guard lock(self->mutex);
            if (ec) {
                self->closed = true;
                self->cv.notify_all();
                return;
            }
            self->frames.push_back(beast::buffers_to_string(self->buffer.data()));
            self->buffer.consume(self->buffer.size());
            self->cv.notify_all();
            asio::post(self->ioc, [self] { self->read_loop(); });
        });
    }
};

WsTestClient::WsTestClient() : impl_(std::make_unique<Impl>()) {}

WsTestClient::~WsTestClient() {
    close();
}

std::string WsTestClient::connect(const std::string& host, std::uint16_t port,
                                  const std::string& target,
                                  const std::map<std::string, std::string>& headers,
                                  std::chrono::milliseconds timeout) {
    auto& i = *impl_;
    i.ws.emplace(i.ioc);
    beast::get_lowest_layer(*i.ws).expires_after(timeout);
    beast::error_code ec;
    beast::get_lowest_layer(*i.ws).socket().connect(
        tcp::endpoint(asio::ip::make_address(host), port), ec);
    if (ec) {
        return "connect: " + ec.message();
    }
    i.ws->set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
        for (const auto& [k, v] : headers) {
            req.set(k, v);
        }
    }));
    beast::error_code hec = asio::error::timed_out;
    i.ws->async_handshake(host + ":" + std::to_string(port), target,
                          [&](beast::error_code e) { hec = e; });
    i.ioc.run_for(timeout);
    i.ioc.restart();
    if (hec) {
        return "handshake: " + hec.message();
    }
    beast::get_lowest_layer(*i.ws).expires_never();
    i.ws->control_callback([impl = impl_.get()](websocket::frame_type kind, beast::string_view) {
        if (kind == websocket::frame_type::ping) {
            std::lock_guard lock(impl->mutex);
            ++impl->pings;
        }
    });
    i.read_loop();
    i.thread = std::thread([impl = impl_.get()] { impl->ioc.run(); });
    return {};
}

std::optional<std::string> WsTestClient::read(std::chrono::milliseconds timeout) {
    std::unique_lock lock(impl_->mutex);
    impl_->cv.wait_for(lock, timeout, [&] { return !impl_->frames.empty() || impl_->closed; });
    if (impl_->frames.empty()) {
        return std::nullopt;
    }
    auto frame = std::move(impl_->frames.front());
    impl_->frames.pop_front();
    return frame;
}

bool WsTestClient::wait_closed(std::chrono::milliseconds timeout) {
    std::unique_lock lock(impl_->mutex);
    return impl_->cv.wait_for(lock, timeout, [&] { return impl_->closed; });
}

std::uint64_t WsTestClient::pings_received() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->pings;
}

void WsTestClient::close() {
    auto& i = *impl_;
    if (i.thread.joinable()) {
        asio::post(i.ioc, [impl = impl_.get()] {
            beast::error_code ignored;
            beast::get_lowest_layer(*impl->ws).socket().shutdown(tcp::socket::shutdown_both,
                                                                 ignored);
            beast::get_lowest_layer(*impl->ws).socket().close(ignored);
        });
        i.thread.join();
    }
}

}  // namespace scagent::test
