#pragma once

#include <string>
#include <vector>

#include "agent/discovery/cached_set.hpp"

namespace scagent::discovery::test_support {

inline plugins::Instance instance(std::string id, std::string version = "1.0.0",
                                  std::string status = "UP") {
    plugins::Instance out;
    out.instance_id = id;
    out.service_id = "svc-" + version;
    out.version = std::move(version);
    out.status = std::move(status);
    out.endpoints = {"highway://10.0.0.1:7070",
                     "rest://10.0.0." + std::to_string(id.size()) + ":8080?sslEnabled=false"};
    out.properties = {{"zone", "az1"}};
    return out;
}

/// A 200 answer with instances named by `ids`.
inline LiveResult live(std::vector<std::string> ids, std::string revision = "rev") {
    LiveResult out;
    out.revision = std::move(revision);
    for (auto& id : ids) {
        out.instances.push_back(instance(id));
    }
    return out;
}

inline const CacheKey kCart{"shop", "cart", ""};
inline const CacheKey kStock{"shop", "stock", "production"};

}  // namespace scagent::discovery::test_support
