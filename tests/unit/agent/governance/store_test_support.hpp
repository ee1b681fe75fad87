#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <string>
#include <vector>

#include "agent/net/http_transport.hpp"
#include "plugins/registry/servicecomb/kie_codec.hpp"

namespace scagent::test {

/// A transport unit tests never reach: the store is driven through apply_list_result().
class UnusedTransport final : public net::HttpTransport {
  public:
    boost::asio::awaitable<net::HttpResult> send(plugins::HttpRequest, net::Deadline) override {
        net::TransportError error;
        error.message = "unused";
        co_return error;
    }
};

inline plugins::servicecomb::KvDoc kv(std::string key, std::string value,
                                      std::string status = "enabled", std::int64_t revision = 1) {
    plugins::servicecomb::KvDoc doc;
    doc.key = std::move(key);
    doc.value = std::move(value);
    doc.status = std::move(status);
    doc.value_type = "text";
    doc.update_revision = revision;
    return doc;
}

inline plugins::servicecomb::Result<plugins::servicecomb::KieListResult> listed(
    std::vector<plugins::servicecomb::KvDoc> docs, std::int64_t revision) {
    plugins::servicecomb::KieListResult result;
    result.revision = revision;
    result.total = static_cast<std::int64_t>(docs.size());
    result.data = std::move(docs);
    return result;
}

inline plugins::servicecomb::Result<plugins::servicecomb::KieListResult> unreachable() {
    plugins::servicecomb::RegistryError error;
    error.message = "connection refused";
    return error;
}

}  // namespace scagent::test
