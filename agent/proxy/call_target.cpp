#include "agent/proxy/call_target.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>

#include <string>

#include "config/names.hpp"

namespace scagent::proxy {
namespace {

/// The host of a Host header or authority, without port or IPv6 brackets.
std::string_view host_of(std::string_view authority) {
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        return close == std::string_view::npos ? authority : authority.substr(1, close - 1);
    }
    return authority.substr(0, authority.find(':'));
}

/// True when `host` addresses the proxy itself rather than naming a service: an IP literal or
/// `localhost`. Parsed only as the one family it can be (an IPv4 literal is digits and dots, an
/// IPv6 one has a colon; brackets already gone): this is on every call of the path style, and
/// a service name like "orders" is then not parsed at all.
bool is_own_address(std::string_view host) {
    if (host.empty() || host == "localhost") {
        return true;
    }
    // A client sends the same Host on every call: the last answer is kept per thread.
    thread_local std::string last_host;
    thread_local bool last_answer = false;
    if (host == last_host) {
        return last_answer;
    }
    boost::system::error_code ec;
    if (host.find(':') != std::string_view::npos) {
        boost::asio::ip::make_address_v6(host, ec);
    } else if (host.find_first_not_of("0123456789.") == std::string_view::npos) {
        boost::asio::ip::make_address_v4(host, ec);
    } else {
        ec = boost::asio::error::invalid_argument;
    }
    if (host.size() <= 64) {  // an address fits; a long name is not worth keeping
        last_host.assign(host);
        last_answer = !ec;
    }
    return !ec;
}

struct Split {
    std::string_view service;
    std::string_view rest;  // "/..." or ""
};

/// "/svc/x?y" → {"svc", "/x?y"}; "/svc?y" → {"svc", "?y"}.
Split split_first_segment(std::string_view path) {
    path.remove_prefix(1);
    // A plain loop: find_first_of() searches the set for every character.
    std::size_t end = 0;
    while (end < path.size() && path[end] != '/' && path[end] != '?') {
        ++end;
    }
    return {path.substr(0, end), path.substr(end)};
}

std::string origin_form(std::string_view rest) {
    if (rest.empty()) {
        return "/";
    }
    if (rest.front() == '?') {
        return "/" + std::string(rest);
    }
    return std::string(rest);
}

const LocalCaller* find_local(std::span<const LocalCaller> locals, std::string_view name) {
    for (const auto& local : locals) {
        if (local.name == name) {
            return &local;
        }
    }
    return nullptr;
}

}  // namespace

std::variant<CallTarget, ProxyError> resolve_target(const TargetRequest& request,
                                                    std::span<const LocalCaller> locals) {
    std::string_view service;
    std::string_view rest;
    std::string_view target = request.target;
    if (target.starts_with("http://")) {
        target.remove_prefix(7);
        const auto slash = target.find_first_of("/?");
        const auto authority = target.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view{} : target.substr(slash);
        const auto host = host_of(authority);
        if (is_own_address(host)) {
            if (!rest.starts_with('/') || rest.size() < 2) {
                return bad_request("name the service: http://{service}/path or /{service}/path");
            }
            const auto split = split_first_segment(rest);
            service = split.service;
            rest = split.rest;
        } else {
            service = host;
        }
    } else if (target.starts_with('/')) {
        const auto host = host_of(request.host);
        if (is_own_address(host)) {
            const auto split = split_first_segment(target);
            service = split.service;
            rest = split.rest;
        } else {
            service = host;
            rest = target;
        }
    } else {
        return bad_request("unsupported request-target (CONNECT and https:// are not proxied): " +
                           std::string(target.substr(0, 64)));
    }
    if (auto problem = config::check_service_name(std::string(service)); !problem.empty()) {
        return bad_request("service name '" + std::string(service.substr(0, 128)) +
                           "': " + problem);
    }

    const LocalCaller* caller = nullptr;
    if (!request.listen_as.empty()) {
        caller = find_local(locals, request.listen_as);
    } else if (!request.consumer.empty()) {
        caller = find_local(locals, request.consumer);
        if (caller == nullptr) {
            return bad_request("X-Sc-Consumer '" + std::string(request.consumer.substr(0, 128)) +
                               "' is not a service of this host");
        }
    } else if (locals.size() == 1) {
        caller = &locals.front();
    } else if (locals.size() > 1) {
        return consumer_required();
    }

    CallTarget out;
    out.service = std::string(service);
    out.path = origin_form(rest);
    if (!request.app.empty()) {
        if (auto problem = config::check_app_id(std::string(request.app)); !problem.empty()) {
            return bad_request("X-Sc-App: " + problem);
        }
        out.app = std::string(request.app);
    } else {
        out.app = caller != nullptr && !caller->app.empty() ? caller->app : "default";
    }
    if (caller != nullptr) {
        out.caller = caller->name;
        out.environment = caller->environment;
    }
    return out;
}

}  // namespace scagent::proxy
