#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace scagent::test {

/// A websocket client for tests. A background thread reads frames into a queue (answering
/// pings), so read() can wait with a deadline without disturbing the stream.
class WsTestClient {
  public:
    WsTestClient();
    ~WsTestClient();
    WsTestClient(const WsTestClient&) = delete;
    WsTestClient& operator=(const WsTestClient&) = delete;

    /// Connects and performs the handshake; returns "" or the error.
    std::string connect(const std::string& host, std::uint16_t port, const std::string& target,
                        const std::map<std::string, std::string>& headers = {},
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// The next text frame, or nothing when `timeout` passes or the connection is closed.
    std::optional<std::string> read(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    /// True once the server closed the connection (waits up to `timeout`).
    bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    std::uint64_t pings_received() const;
    void close();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace scagent::test
