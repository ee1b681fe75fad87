#pragma once

#include <boost/beast/http/basic_parser.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace scagent::proxy {

/// Parses a provider's answer for relaying: Beast's parser (framing, chunks, limits, keep-alive)
/// without Beast's field container. The fields the client will get are appended, as head lines,
/// to a buffer the client connection lends (no allocation per answer, no tree of fields to
/// edit afterwards), leaving out what the proxy re-frames or must not pass on: hop-by-hop fields
/// and those the Connection field names, Content-Length (the proxy writes its own framing)
/// and X-Sc-Agent-Error (only the agent's own answers carry it). The body is copied into the
/// window set with body_window(), as Beast's buffer_body does.
class AnswerParser : public boost::beast::http::basic_parser<false> {
  public:
    /// `fields` receives the head lines ("Name: value\r\n"); it is cleared here.
    /// `drop_instance_field`: the proxy writes its own X-Sc-Instance, so the provider's goes.
    AnswerParser(std::string& fields, bool drop_instance_field);

    unsigned status() const noexcept { return status_; }
    std::string_view reason() const noexcept { return reason_; }
    /// The kept field lines, each ending in CRLF.
    std::string_view field_lines() const noexcept { return fields_; }

    /// Where the next body bytes go, and how much room is left there.
    void body_window(char* data, std::size_t size) noexcept {
        body_data_ = data;
        body_room_ = size;
    }
    std::size_t body_room() const noexcept { return body_room_; }

  private:
    void on_request_impl(boost::beast::http::verb, boost::beast::string_view,
                         boost::beast::string_view, int, boost::beast::error_code& ec) override;
    void on_response_impl(int code, boost::beast::string_view reason, int version,
                          boost::beast::error_code& ec) override;
    void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_string,
                       boost::beast::string_view value, boost::beast::error_code& ec) override;
    void on_header_impl(boost::beast::error_code& ec) override;
    void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                           boost::beast::error_code& ec) override;
    std::size_t on_body_impl(boost::beast::string_view body, boost::beast::error_code& ec) override;
    void on_chunk_header_impl(std::uint64_t size, boost::beast::string_view extensions,
                              boost::beast::error_code& ec) override;
    std::size_t on_chunk_body_impl(std::uint64_t remain, boost::beast::string_view body,
                                   boost::beast::error_code& ec) override;
    void on_finish_impl(boost::beast::error_code& ec) override;

    std::size_t take_body(std::string_view body, boost::beast::error_code& ec) noexcept;

    std::string& fields_;
    std::string reason_;
    /// Field names the Connection field lists (besides keep-alive and close): removed from
    /// the lines once the head is complete (they may come before the Connection field).
    std::string connection_named_;
    unsigned status_ = 0;
    bool drop_instance_field_ = false;
    char* body_data_ = nullptr;
    std::size_t body_room_ = 0;
};

}  // namespace scagent::proxy
