#pragma once

#include <boost/beast/http/fields.hpp>

#include <string>
#include <string_view>

namespace scagent::proxy {

/// Removes the hop-by-hop headers (RFC 9110 §7.6.1: Connection, the fields it names,
/// Keep-Alive, Proxy-Connection, Proxy-Authenticate, Proxy-Authorization, TE, Trailer,
/// Transfer-Encoding, Upgrade): they describe one connection, not the message. Message framing
/// is set again by whoever writes the message on.
void remove_hop_by_hop(boost::beast::http::fields& fields);

/// Whether `name` is one of the hop-by-hop fields remove_hop_by_hop() always removes.
bool is_hop_by_hop(boost::beast::http::field name) noexcept;

/// Calls `visit` with each non-empty entry of a comma-separated field value (such as
/// Connection's), without surrounding spaces or tabs.
template <class Visit>
void for_each_list_item(std::string_view list, Visit&& visit) {
    while (!list.empty()) {
        const auto comma = list.find(',');
        auto item = list.substr(0, comma);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) {
            item.remove_prefix(1);
        }
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) {
            item.remove_suffix(1);
        }
        if (!item.empty()) {
            visit(item);
        }
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    }
}

/// Prepares the headers of a call for the provider:
/// - hop-by-hop headers and the agent's own request headers (X-Sc-App, X-Sc-Consumer) go;
/// - `x-cse-context` (a JSON object of string values that ServiceComb passes along a call chain)
///   gets `x-cse-src-microservice` = `caller`, keeping its other entries; an unreadable one is
///   replaced;
/// - `X-Forwarded-For` gets `client_address` appended.
/// Trace headers (traceparent, tracestate, B3) pass unchanged.
/// A field the call gains (the usual case: a caller's new `x-cse-context`, an `X-Forwarded-For`
/// the client did not send) is not put in `fields` but written to `added` as its line
/// ("Name: value\r\n"), to be sent after them (append_request_head()): Beast's field tree would
/// allocate an entry for each on every call. `added` is cleared first.
void prepare_upstream_headers(boost::beast::http::fields& fields, std::string_view caller,
                              std::string_view client_address, std::string& added);

/// The calling service named in `x-cse-context` (`x-cse-src-microservice`), empty when the
/// header is absent, not a JSON object, or names no caller of at most 128 characters.
std::string caller_of(std::string_view cse_context);

/// `x-cse-context` with `x-cse-src-microservice` set to `caller` (an empty caller keeps the
/// value as it came).
std::string merge_cse_context(std::string_view current, std::string_view caller);

}  // namespace scagent::proxy
