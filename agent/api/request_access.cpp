#include "agent/api/request_access.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cctype>
#include <string_view>

namespace scagent::api {
namespace {

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

/// The host part of "host", "host:port", "[v6]" or "[v6]:port", lower-cased, without a final
/// dot ("localhost." is localhost).
std::string host_part(std::string_view value) {
    std::string_view host = value;
    if (host.starts_with('[')) {
        host = host.substr(
            1, host.find(']') == std::string_view::npos ? host.size() - 1 : host.find(']') - 1);
    } else if (std::count(host.begin(), host.end(), ':') == 1) {
        host = host.substr(0, host.find(':'));
    }
    if (host.ends_with('.')) {
        host.remove_suffix(1);
    }
    return lower(host);
}

std::optional<boost::asio::ip::address> ip_of(const std::string& host) {
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(host, ec);
    return ec ? std::nullopt : std::optional(address);
}

bool host_allowed(std::string_view header, const ApiAccess& access) {
    const std::string host = host_part(header);
    if (host == "localhost" || host.ends_with(".localhost")) {
        return true;
    }
    const auto ip = ip_of(host);
    if (ip && ip->is_loopback()) {
        return true;
    }
    const std::string listen_host = host_part(access.listen);
    const auto listen_ip = ip_of(listen_host);
    if (ip && listen_ip && listen_ip->is_unspecified()) {
        return true;
    }
    if (!listen_host.empty() && host == listen_host) {
        return true;
    }
    const std::string full = lower(header);
    return std::any_of(access.allowed_hosts.begin(), access.allowed_hosts.end(),
                       [&](const std::string& allowed) {
                           const std::string entry = lower(allowed);
                           return entry == full || entry == host;
                       });
}

/// Compares without an early exit, so that the time taken does not tell how much matched.
bool same_secret(std::string_view given, std::string_view expected) {
    unsigned char difference = given.size() == expected.size() ? 0 : 1;
    for (std::size_t i = 0; i < given.size(); ++i) {
        difference |= static_cast<unsigned char>(given[i] ^ expected[i % expected.size()]);
    }
    return difference == 0;
}

bool mutating(net::Method method) {
    return method == net::Method::put || method == net::Method::post ||
           method == net::Method::patch || method == net::Method::delete_;
}

}  // namespace

std::optional<ApiError> refused_access(const net::RouteContext& ctx, const ApiAccess& access) {
    const std::string host = ctx.header("Host");
    if (!host.empty() && !host_allowed(host, access)) {
        return ApiError{403, "FORBIDDEN_HOST",
                        "Host '" + host +
                            "' is not this agent: use localhost or 127.0.0.1, or add it to "
                            "api.allowed_hosts"};
    }
    if (!access.token.empty() && mutating(ctx.method()) &&
        !same_secret(ctx.header("Authorization"), "Bearer " + access.token)) {
        return ApiError{401, "UNAUTHORIZED",
                        "this route needs the header Authorization: Bearer <api.token>"};
    }
    return std::nullopt;
}

}  // namespace scagent::api
