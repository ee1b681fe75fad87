#include "agent/proxy/forward_headers.hpp"

#include <boost/beast/core/string.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <vector>

namespace scagent::proxy {
namespace {

namespace http = boost::beast::http;

constexpr std::array<http::field, 9> kHopByHop{
    http::field::connection,
    http::field::keep_alive,
    http::field::proxy_connection,
    http::field::proxy_authenticate,
    http::field::proxy_authorization,
    http::field::te,
    http::field::trailer,
    http::field::transfer_encoding,
    http::field::upgrade,
};

/// The x-cse-context of a call that came without one. A caller is a local service's name,
/// validated to [A-Za-z0-9_.-], so it needs no escaping (and no JSON round trip).
void append_caller_context(std::string_view caller, std::string& out) {
    out.append(R"({"x-cse-src-microservice":")").append(caller).append(R"("})");
}

}  // namespace

bool is_hop_by_hop(http::field name) noexcept {
    return name != http::field::unknown &&
           std::find(kHopByHop.begin(), kHopByHop.end(), name) != kHopByHop.end();
}

void remove_hop_by_hop(http::fields& fields) {
    // Fields named in Connection are hop-by-hop too (collected first: erasing invalidates).
    std::vector<std::string> named;
    for (auto it = fields.find(http::field::connection);
         it != fields.end() && it->name() == http::field::connection; ++it) {
        for_each_list_item(it->value(), [&](std::string_view token) {
            // "keep-alive" (the usual token) and "close" are erased below or name no field:
            // leaving them out keeps the common call free of allocations.
            if (!boost::beast::iequals(token, "keep-alive") &&
                !boost::beast::iequals(token, "close")) {
                named.emplace_back(token);
            }
        });
    }
    for (const auto& name : named) {
        fields.erase(name);
    }
    // One pass over the fields (a message has few, and usually one hop-by-hop field at most)
    // rather than a lookup per hop-by-hop name.
    for (auto it = fields.begin(); it != fields.end();) {
        if (is_hop_by_hop(it->name())) {
            it = fields.erase(it);
        } else {
            ++it;
        }
    }
}

std::string caller_of(std::string_view cse_context) {
    if (cse_context.empty()) {
        return {};
    }
    const auto context = nlohmann::json::parse(cse_context, nullptr, /*allow_exceptions=*/false);
    if (!context.is_object()) {
        return {};
    }
    const auto it = context.find("x-cse-src-microservice");
    if (it == context.end() || !it->is_string() || it->get_ref<const std::string&>().size() > 128) {
        return {};
    }
    return it->get<std::string>();
}

std::string merge_cse_context(std::string_view current, std::string_view caller) {
    if (current.empty()) {
        if (caller.empty()) {
            return "{}";
        }
        std::string out;
        append_caller_context(caller, out);
        return out;
    }
    auto context = nlohmann::json::parse(current, nullptr, /*allow_exceptions=*/false);
    if (!context.is_object()) {
        context = nlohmann::json::object();
    }
    if (!caller.empty()) {
        context["x-cse-src-microservice"] = std::string(caller);
    }
    return context.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void prepare_upstream_headers(http::fields& fields, std::string_view caller,
                              std::string_view client_address, std::string& added) {
    added.clear();
    remove_hop_by_hop(fields);
    fields.erase("X-Sc-App");
    fields.erase("X-Sc-Consumer");

    // Values are built in one buffer per thread, reused: set() copies them into the fields.
    thread_local std::string value;
    const auto context = fields.find("x-cse-context");
    if (context == fields.end() && !caller.empty()) {
        added.append("x-cse-context: ");  // the usual case
        append_caller_context(caller, added);
        added.append("\r\n");
    } else if (context != fields.end()) {
        value.assign(context->value());
        fields.set("x-cse-context", merge_cse_context(value, caller));
    }

    const auto forwarded = fields.find("X-Forwarded-For");
    if (forwarded == fields.end()) {
        added.append("X-Forwarded-For: ").append(client_address).append("\r\n");
    } else {
        value.assign(forwarded->value()).append(", ").append(client_address);
        fields.set("X-Forwarded-For", value);
    }
}

}  // namespace scagent::proxy
