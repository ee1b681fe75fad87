#include "agent/registration/host_identity.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>

namespace scagent::registration {

std::optional<std::string> first_non_loopback_ipv4() {
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) {
        return std::nullopt;
    }
    std::optional<std::string> found;
    for (const ifaddrs* entry = list; entry != nullptr && !found; entry = entry->ifa_next) {
        if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET ||
            (entry->ifa_flags & IFF_UP) == 0 || (entry->ifa_flags & IFF_LOOPBACK) != 0) {
            continue;
        }
        const auto* address = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
        if ((ntohl(address->sin_addr.s_addr) >> 24) == 127) {
            continue;
        }
        std::array<char, INET_ADDRSTRLEN> text{};
        if (inet_ntop(AF_INET, &address->sin_addr, text.data(), text.size()) != nullptr) {
            found = std::string(text.data());
        }
    }
    freeifaddrs(list);
    return found;
}

std::vector<std::string> advertised_endpoints(const std::vector<std::string>& endpoints,
                                              const std::string& address) {
    std::vector<std::string> out;
    out.reserve(endpoints.size());
    for (const auto& endpoint : endpoints) {
        const auto scheme_end = endpoint.find("://");
        const auto host_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
        if (endpoint.compare(host_start, 8, "0.0.0.0:") == 0) {
            out.push_back(endpoint.substr(0, host_start) + address +
                          endpoint.substr(host_start + 7));
        } else {
            out.push_back(endpoint);
        }
    }
    return out;
}

std::string advertise_address() {
    if (auto address = first_non_loopback_ipv4()) {
        return *address;
    }
    spdlog::warn(
        "no non-loopback IPv4 interface: advertising 0.0.0.0 endpoints as 127.0.0.1, "
        "which only consumers on this host can reach");
    return "127.0.0.1";
}

std::string system_hostname() {
    std::array<char, 256> name{};
    if (gethostname(name.data(), name.size() - 1) != 0 || name[0] == '\0') {
        return "localhost";
    }
    std::string host(name.data());
    if (host.size() > 64) {
        host.resize(64);
    }
    return host;
}

}  // namespace scagent::registration
