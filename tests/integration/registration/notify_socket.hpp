#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace scagent::test {

/// The systemd side of sd_notify(3), owned by a test: an AF_UNIX datagram socket bound at
/// `path`, handed to the agent as NOTIFY_SOCKET. Every datagram received is kept, in order, so a
/// test can ask both "has X arrived" and "what came before X".
class NotifySocket {
  public:
    explicit NotifySocket(std::string path) : path_(std::move(path)) {
        sockaddr_un address{};
        if (path_.size() >= sizeof(address.sun_path)) {
            throw std::runtime_error("notify socket path too long: " + path_);
        }
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) {
            throw std::runtime_error("socket(AF_UNIX, SOCK_DGRAM) failed");
        }
        address.sun_family = AF_UNIX;
        std::memcpy(address.sun_path, path_.c_str(), path_.size() + 1);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
            ::close(fd_);
            throw std::runtime_error("cannot bind " + path_ + ": " + std::strerror(errno));
        }
    }
    ~NotifySocket() {
        ::close(fd_);
        ::unlink(path_.c_str());
    }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    const std::string& path() const { return path_; }
    /// Every message received so far, in arrival order.
    const std::vector<std::string>& messages() const { return messages_; }

    /// Receives until a message not yet offered to a match satisfies `match`; its index in
    /// messages(), or nothing at `deadline` (far beyond any honest delay: reaching it means the
    /// message never came).
    std::optional<std::size_t> wait_for(const std::function<bool(const std::string&)>& match,
                                        std::chrono::milliseconds deadline) {
        for (std::size_t i = scanned_; i < messages_.size(); ++i) {
            scanned_ = i + 1;
            if (match(messages_[i])) {
                return i;
            }
        }
        const auto end = std::chrono::steady_clock::now() + deadline;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                end - std::chrono::steady_clock::now());
            pollfd readable{fd_, POLLIN, 0};
            if (left.count() <= 0 || ::poll(&readable, 1, static_cast<int>(left.count())) <= 0) {
                return std::nullopt;
            }
            std::array<char, 4096> buffer{};
            const auto n = ::recv(fd_, buffer.data(), buffer.size(), 0);
            if (n < 0) {
                return std::nullopt;
            }
            messages_.emplace_back(buffer.data(), static_cast<std::size_t>(n));
            scanned_ = messages_.size();
            if (match(messages_.back())) {
                return messages_.size() - 1;
            }
        }
    }

    /// Takes every datagram already queued, without waiting.
    void drain() {
        std::array<char, 4096> buffer{};
        for (;;) {
            const auto n = ::recv(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT);
            if (n < 0) {
                return;
            }
            messages_.emplace_back(buffer.data(), static_cast<std::size_t>(n));
        }
    }

    /// Waits for a message with the line `line` (e.g. "READY=1").
    std::optional<std::size_t> wait_for_line(const std::string& line,
                                             std::chrono::milliseconds deadline) {
        return wait_for([&](const std::string& message) { return has_line(message, line); },
                        deadline);
    }

    static bool has_line(const std::string& message, const std::string& line) {
        return ("\n" + message + "\n").find("\n" + line + "\n") != std::string::npos;
    }

  private:
    std::string path_;
    int fd_ = -1;
    std::vector<std::string> messages_;
    std::size_t scanned_ = 0;  ///< messages before this index were already offered to a match
};

}  // namespace scagent::test
