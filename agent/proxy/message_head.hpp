#pragma once

#include <boost/beast/http/message.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace scagent::proxy {

// The heads the proxy sends are written here by hand rather than with Beast's serializer: the
// serializer's buffer-sequence iterators cost about a tenth of the proxy's CPU per call (perf,
// bench/proxy), while a head is just lines appended to a string the connection keeps.

/// Appends "METHOD target HTTP/1.1", the fields, the field lines `added` ("Name: value\r\n"
/// each, see prepare_upstream_headers()) and the blank line to `out`. A non-empty `target` or
/// `host` replaces the head's own request-target or Host field (the proxy rewrites both per
/// attempt without editing the request).
void append_request_head(const boost::beast::http::request_header<>& head, std::string_view target,
                         std::string_view host, std::string_view added, std::string& out);

/// Appends the status line "HTTP/1.x status reason\r\n": `reason` as given, else the standard
/// phrase of `status` (empty for a code without one).
void append_status_line(unsigned version, unsigned status, std::string_view reason,
                        std::string& out);

/// Appends "HTTP/1.x status reason", the fields and the blank line to `out` (the reason the
/// upstream gave, or the standard one).
void append_response_head(const boost::beast::http::response_header<>& head, std::string& out);

/// Appends the field line "Content-Length: <length>\r\n".
void append_content_length(std::uint64_t length, std::string& out);

/// Appends the hexadecimal size line that opens a chunk of `size` bytes ("1a2b\r\n").
void append_chunk_size(std::size_t size, std::string& out);

}  // namespace scagent::proxy
