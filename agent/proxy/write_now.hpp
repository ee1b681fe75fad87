#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <cstddef>

#include "agent/runtime/asio_tokens.hpp"
#include "agent/runtime/io_backend.hpp"

namespace scagent::proxy {

// Most writes of the proxy fit in the socket's send buffer: a head and a small body to a
// client or an upstream that reads as fast as it is written to. Such a write is done here with
// one non-blocking system call, without an asynchronous operation (its allocation, its posted
// completion, the stream's timer around it: about a tenth of the proxy's CPU per call, perf,
// bench/proxy). Only what the socket did not take waits for room, with the stream's expiry, so
// a slow reader still slows only its own call.

/// Readies a new client or upstream socket for write_now(): non-blocking, so a write the socket
/// cannot take at once returns instead of blocking the loop. Not in the io_uring build
/// (agent/runtime/io_backend.hpp): there a socket in blocking mode lets the ring do each read and
/// write in one step, where a non-blocking one makes Asio poll first and then read by system
/// call; write_now() then sends nothing and every write goes through the ring, batched.
inline void prepare_for_write_now(boost::asio::ip::tcp::socket& socket) {
    if constexpr (!runtime::kIoUring) {
        boost::system::error_code ignored;
        socket.non_blocking(true, ignored);
    }
}

/// Sends as much of `buffers` as the socket takes now, without waiting; returns how much. 0 on
/// any error: the asynchronous write that follows reports it.
template <class ConstBuffers>
std::size_t write_now(boost::asio::ip::tcp::socket& socket, const ConstBuffers& buffers) {
    if (!socket.non_blocking()) {
        return 0;  // a socket this file did not prepare: never block the loop
    }
    boost::system::error_code ec;
    const auto written = socket.write_some(buffers, ec);
    return ec ? 0 : written;
}

/// Writes what write_now() left of `buffers` (from byte `done` on), asynchronously under the
/// stream's expiry.
template <class ConstBuffers>
boost::asio::awaitable<boost::system::error_code> write_rest(boost::beast::tcp_stream& stream,
                                                             const ConstBuffers& buffers,
                                                             std::size_t done) {
    boost::beast::buffers_suffix<ConstBuffers> rest(buffers);
    rest.consume(done);
    auto [ec, n] = co_await boost::asio::async_write(stream, rest, runtime::kNoThrow);
    co_return ec;
}

}  // namespace scagent::proxy
