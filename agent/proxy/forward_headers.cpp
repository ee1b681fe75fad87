#include "agent/proxy/forward_headers.hpp"

#include <nlohmann/json.hpp>

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

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

}  // namespace

void remove_hop_by_hop(http::fields& fields) {
    // Fields named in Connection are hop-by-hop too (collected first: erasing invalidates).
    std::vector<std::string> named;
    for (auto it = fields.find(http::field::connection);
         it != fields.end() && it->name() == http::field::connection; ++it) {
        std::string_view list = it->value();
        while (!list.empty()) {
            const auto comma = list.find(',');
            const auto token = trim(list.substr(0, comma));
            if (!token.empty()) {
                named.emplace_back(token);
            }
            list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        }
    }
    for (const auto& name : named) {
        fields.erase(name);
    }
    for (const auto field : kHopByHop) {
        fields.erase(field);
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
        // The usual case, without a JSON round trip: a caller is a local service's name,
        // validated to [A-Za-z0-9_.-], so it needs no escaping.
        std::string out = R"({"x-cse-src-microservice":")";
        out.append(caller).append(R"("})");
        return caller.empty() ? std::string("{}") : out;
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
                              std::string_view client_address) {
    remove_hop_by_hop(fields);
    fields.erase("X-Sc-App");
    fields.erase("X-Sc-Consumer");

    const auto context = fields.find("x-cse-context");
    if (context != fields.end() || !caller.empty()) {
        const std::string current =
            context == fields.end() ? std::string() : std::string(context->value());
        fields.set("x-cse-context", merge_cse_context(current, caller));
    }

    const auto forwarded = fields.find("X-Forwarded-For");
    if (forwarded == fields.end()) {
        fields.set("X-Forwarded-For", client_address);
    } else {
        std::string chain(forwarded->value());
        chain.append(", ").append(client_address);
        fields.set("X-Forwarded-For", chain);
    }
}

}  // namespace scagent::proxy
