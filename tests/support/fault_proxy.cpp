#include "tests/support/fault_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <stdexcept>
#include <string_view>

namespace scagent::test {
namespace {

int connect_loopback(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

/// "PUT /v4/..." and the like: a chunk that begins an HTTP request (not a websocket frame).
bool starts_request(std::string_view chunk) {
    std::size_t letters = 0;
    while (letters < chunk.size() && std::isupper(static_cast<unsigned char>(chunk[letters]))) {
        ++letters;
    }
    return letters >= 3 && chunk.substr(letters).starts_with(" /");
}

/// Ends `fd` both ways: the peer sees the connection end (and the pump threads on it wake up);
/// its close() then sends an RST instead of a FIN, as a crashed peer's kernel does.
void reset(int fd) {
    const linger abort_on_close{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
    ::shutdown(fd, SHUT_RDWR);
}

}  // namespace

struct FaultProxy::Link {
    int client = -1;
    int server = -1;
    bool held = false;         // guarded by the proxy's mutex_
    FaultProxy::Fault fault;   // what was in force when it was accepted
    std::size_t answered = 0;  // bytes forwarded toward the client
};

FaultProxy::FaultProxy(std::uint16_t target_port) : target_port_(target_port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listen_fd_, 64) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        throw std::runtime_error("fault proxy: cannot listen");
    }
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
}

FaultProxy::~FaultProxy() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    ::close(listen_fd_);
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(mutex_);
        for (const auto& link : links_) {
            ::shutdown(link->client, SHUT_RDWR);
            ::shutdown(link->server, SHUT_RDWR);
        }
        threads.swap(threads_);
    }
    changed_.notify_all();
    for (auto& thread : threads) {
        thread.join();
    }
    for (const auto& link : links_) {
        ::close(link->client);
        ::close(link->server);
    }
}

void FaultProxy::accept_loop() {
    while (!stopping_) {
        const int client = ::accept(listen_fd_, nullptr, nullptr);
        if (client < 0) {
            return;
        }
        ++accepted_;
        Fault fault;
        {
            std::lock_guard lock(mutex_);
            fault = fault_;
        }
        if (fault.kind == Kind::kReset) {
            reset(client);
            ::close(client);
            continue;
        }
        const int server = fault.kind == Kind::kBlackhole ? -1 : connect_loopback(target_port_);
        if (fault.kind == Kind::kBlackhole) {
            // Kept open and silent until the proxy goes or cut_all().
            auto link = std::make_shared<Link>();
            link->client = client;
            link->fault = fault;
            std::lock_guard lock(mutex_);
            links_.push_back(link);
            continue;
        }
        if (server < 0) {
            ::close(client);
            continue;
        }
        auto link = std::make_shared<Link>();
        link->client = client;
        link->server = server;
        link->fault = fault;
        std::lock_guard lock(mutex_);
        links_.push_back(link);
        threads_.emplace_back([this, link] { pump(link, true); });
        threads_.emplace_back([this, link] { pump(link, false); });
    }
}

void FaultProxy::pump(const std::shared_ptr<Link>& link, bool from_client) {
    const int from = from_client ? link->client : link->server;
    const int to = from_client ? link->server : link->client;
    std::array<char, 16 * 1024> buffer{};
    for (;;) {
        const auto n = ::recv(from, buffer.data(), buffer.size(), 0);
        std::unique_lock lock(mutex_);
        if (n <= 0) {
            if (link->held && from_client) {
                held_closed_ = true;
                changed_.notify_all();
            }
            ::shutdown(to, SHUT_WR);
            return;
        }
        if (from_client && armed_ && starts_request({buffer.data(), static_cast<std::size_t>(n)})) {
            armed_ = false;
            link->held = true;
            held_ = link;
            changed_.notify_all();
        }
        if (link->held) {
            continue;  // swallowed: the client waits for an answer that never comes
        }
        lock.unlock();
        if (link->fault.kind == Kind::kDelay) {
            std::this_thread::sleep_for(link->fault.delay);  // the fault itself, not an order
        }
        auto count = n;
        if (link->fault.kind == Kind::kTruncate && !from_client) {
            const auto left =
                link->fault.truncate_after - std::min(link->fault.truncate_after, link->answered);
            count = std::min<ssize_t>(n, static_cast<ssize_t>(left));
            link->answered += static_cast<std::size_t>(count);
        }
        for (ssize_t sent = 0; sent < count;) {
            const auto wrote = ::send(to, buffer.data() + sent,
                                      static_cast<std::size_t>(count - sent), MSG_NOSIGNAL);
            if (wrote <= 0) {
                return;
            }
            sent += wrote;
        }
        if (count < n) {
            // Cut mid-answer: the client sees a connection reset after `truncate_after` bytes.
            reset(link->client);
            reset(link->server);
            return;
        }
    }
}

void FaultProxy::set_fault(Fault fault) {
    std::lock_guard lock(mutex_);
    fault_ = fault;
}

void FaultProxy::cut_all() {
    std::lock_guard lock(mutex_);
    for (const auto& link : links_) {
        reset(link->client);
        if (link->server >= 0) {
            reset(link->server);
        }
    }
}

void FaultProxy::hold_next_request() {
    std::lock_guard lock(mutex_);
    armed_ = true;
}

bool FaultProxy::wait_until_held(std::chrono::milliseconds deadline) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, deadline, [this] { return held_ != nullptr; });
}

bool FaultProxy::held_connection_open() const {
    std::lock_guard lock(mutex_);
    return held_ != nullptr && !held_closed_;
}

}  // namespace scagent::test
