#include "agent/proxy/message_head.hpp"

#include <gtest/gtest.h>

namespace scagent::proxy {
namespace {

namespace http = boost::beast::http;

TEST(MessageHeadTest, RequestHeadHasTheRequestLineEveryFieldInOrderAndTheBlankLine) {
    http::request_header<> head;
    head.method(http::verb::post);
    head.target("/orders?id=7");
    head.version(11);
    head.set(http::field::host, "10.0.0.5:8080");
    head.insert("X-Custom", "a");
    head.insert("X-Custom", "b");
    std::string out = "kept";
    append_request_head(head, {}, {}, {}, out);
    EXPECT_EQ(out,
              "keptPOST /orders?id=7 HTTP/1.1\r\nHost: 10.0.0.5:8080\r\nX-Custom: a\r\n"
              "X-Custom: b\r\n\r\n");
}

TEST(MessageHeadTest, RequestHeadTakesTheGivenTargetAndHostInsteadOfTheRequests) {
    http::request_header<> head;
    head.method(http::verb::get);
    head.target("/orders/list?x=1");
    head.version(11);
    head.insert("X-Before", "1");
    head.set(http::field::host, "localhost:30101");
    head.insert("X-After", "2");
    std::string out;
    append_request_head(head, "/list?x=1", "10.0.0.5:8080", "X-Added: 3\r\n", out);
    EXPECT_EQ(out,
              "GET /list?x=1 HTTP/1.1\r\nHost: 10.0.0.5:8080\r\nX-Before: 1\r\nX-After: 2\r\n"
              "X-Added: 3\r\n\r\n");
    EXPECT_EQ(head.target(), "/orders/list?x=1");  // the request itself is left as it came
}

TEST(MessageHeadTest, ResponseHeadKeepsTheUpstreamsReasonAndVersion) {
    http::response_header<> head;
    head.result(http::status::not_found);
    head.reason("Nothing Here");
    head.version(10);
    head.set(http::field::content_length, "0");
    std::string out;
    append_response_head(head, out);
    EXPECT_EQ(out, "HTTP/1.0 404 Nothing Here\r\nContent-Length: 0\r\n\r\n");
}

TEST(MessageHeadTest, ResponseHeadWithoutReasonGetsTheStandardOneAndUnknownCodesStay) {
    http::response_header<> head;
    head.result(http::status::service_unavailable);
    std::string out;
    append_response_head(head, out);
    EXPECT_EQ(out, "HTTP/1.1 503 Service Unavailable\r\n\r\n");

    http::response_header<> odd;
    odd.result(555);
    out.clear();
    append_response_head(odd, out);
    EXPECT_EQ(out, "HTTP/1.1 555 \r\n\r\n");
}

TEST(MessageHeadTest, StatusLineTakesTheGivenPhraseElseTheStandardOne) {
    std::string out;
    append_status_line(10, 404, "Nothing Here", out);
    append_status_line(11, 503, "", out);
    append_status_line(11, 555, "", out);
    EXPECT_EQ(out,
              "HTTP/1.0 404 Nothing Here\r\nHTTP/1.1 503 Service Unavailable\r\n"
              "HTTP/1.1 555 \r\n");
}

TEST(MessageHeadTest, ContentLengthLineIsDecimal) {
    std::string out;
    append_content_length(0, out);
    append_content_length(104857600, out);
    EXPECT_EQ(out, "Content-Length: 0\r\nContent-Length: 104857600\r\n");
}

TEST(MessageHeadTest, ChunkSizeLinesAreHexadecimal) {
    std::string out;
    append_chunk_size(0x1a2b, out);
    append_chunk_size(1, out);
    append_chunk_size(16384, out);
    EXPECT_EQ(out, "1a2b\r\n1\r\n4000\r\n");
}

}  // namespace
}  // namespace scagent::proxy
