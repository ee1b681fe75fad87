// What an app sends to the proxy: the bytes are parsed as a request head with the proxy's own
// limits, then addressed (absolute form, Host, path style, X-Sc-App, X-Sc-Consumer) and given
// the caller's x-cse-context, as forward_call does before any instance is picked.
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <array>

#include "agent/proxy/call_target.hpp"
#include "agent/proxy/forward_headers.hpp"
#include "tests/fuzz/fuzz_target.hpp"

SC_AGENT_FUZZ_TARGET(fuzz_request_head) {
    namespace http = boost::beast::http;
    using namespace scagent::proxy;
    http::request_parser<http::empty_body> parser;
    parser.header_limit(16 * 1024);
    parser.eager(false);
    boost::beast::error_code ec;
    parser.put(boost::asio::buffer(data, size), ec);
    if (ec || !parser.is_header_done()) {
        return 0;
    }
    auto& request = parser.get();
    static const std::array<LocalCaller, 2> locals{LocalCaller{"shop", "cart", "production"},
                                                   LocalCaller{"shop", "orders", ""}};
    (void)resolve_target(TargetRequest{request.target(),
                                       request[http::field::host],
                                       request["X-Sc-App"],
                                       request["X-Sc-Consumer"],
                                       {}},
                         locals);
    (void)caller_of(request["x-cse-context"]);
    std::string added;
    prepare_upstream_headers(request, "cart", "127.0.0.1", added);
    return 0;
}
