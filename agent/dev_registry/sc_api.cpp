#include "agent/dev_registry/sc_api.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "agent/dev_registry/validation.hpp"
#include "agent/net/websocket_connection.hpp"
#include "agent/runtime/asio_tokens.hpp"

namespace scagent::dev_registry {

using net::Reply;
using net::RouteContext;

namespace {

using runtime::kNoThrow;

template <typename T>
const ApiError* error_of(const Result<T>& r) {
    return std::get_if<ApiError>(&r);
}

/// Reads the JSON body or produces the 400001 to send.
Result<Json> body_of(const RouteContext& c) {
    return parse_body(c.body());
}

/// Found instances as `{"instances":[...]}` (or `{}`), 304 on a matching `rev`, and the
/// revision header either way (spec §1.4.7).
Reply found_reply(const RouteContext& c, const RegistryStore::Found& found, bool one) {
    Reply reply;
    if (c.query("rev").value_or("") == found.revision) {
        reply = Reply::empty(net::status::not_modified);
    } else if (one) {
        reply = sc_json(OrderedJson{{"instance", found.instances.at(0)}});
    } else {
        OrderedJson body = OrderedJson::object();
        if (!found.instances.empty()) {
            body["instances"] = found.instances;
        }
        reply = sc_json(body);
    }
    reply.set_header("X-Resource-Revision", found.revision);
    return reply;
}

/// The reader half of a watch session: answers pings, notices the close, then wakes the writer.
asio::awaitable<void> watch_reader(std::shared_ptr<net::WebSocketConnection> ws,
                                   std::shared_ptr<bool> closed,
                                   std::shared_ptr<asio::steady_timer> timer) {
    std::string ignored;
    while (!co_await ws->read(ignored)) {
    }
    *closed = true;
    timer->cancel();
}

}  // namespace

std::string tenant_of(const RouteContext& c) {
    auto domain = c.header("X-Domain-Name");
    auto project = c.param("project");
    return (domain.empty() ? std::string("default") : domain) + "/" +
           (project.empty() ? std::string("default") : project);
}

Reply sc_json(const OrderedJson& body) {
    return Reply(net::status::ok, body.dump(), "application/json; charset=UTF-8");
}

Reply sc_empty() {
    return Reply::text(net::status::ok, {});
}

ScApi::ScApi(RegistryStore& store, WatchHub& hub, std::chrono::milliseconds watch_ping_interval,
             std::string version)
    : store_(store), hub_(hub), ping_interval_(watch_ping_interval), version_(std::move(version)) {}

void ScApi::install(net::HttpRouter& router) {
    using V = net::Method;
    const std::string base = "/v4/{project}/registry";
    const std::string svc = base + "/microservices/{serviceId}";
    const std::string inst = svc + "/instances/{instanceId}";
    const auto sync = [this](Reply (ScApi::*fn)(RouteContext&)) {
        return net::sync_route([this, fn](RouteContext& c) { return (this->*fn)(c); });
    };
    router.add(V::post, base + "/microservices", sync(&ScApi::create_service));
    router.add(V::get, base + "/microservices", net::sync_route([this](RouteContext& c) -> Reply {
                   return sc_json(store_.list_services(tenant_of(c)));
               }));
    router.add(V::get, base + "/existence", sync(&ScApi::existence));
    router.add(V::get, svc, net::sync_route([this](RouteContext& c) -> Reply {
                   auto r = store_.get_service(tenant_of(c), c.param("serviceId"));
                   if (auto e = error_of(r)) {
                       return sc_error(*e);
                   }
                   return sc_json(std::get<OrderedJson>(r));
               }));
    router.add(V::delete_, svc, sync(&ScApi::delete_service));
    router.add(V::put, svc + "/properties", sync(&ScApi::put_service_properties));
    router.add(V::post, svc + "/instances", sync(&ScApi::register_instance));
    router.add(V::get, svc + "/instances",
               net::sync_route([this](RouteContext& c) { return get_instances(c, false); }));
    router.add(V::get, inst,
               net::sync_route([this](RouteContext& c) { return get_instances(c, true); }));
    router.add(V::delete_, inst, net::sync_route([this](RouteContext& c) -> Reply {
                   auto r =
                       store_.deregister(tenant_of(c), c.param("serviceId"), c.param("instanceId"));
                   if (auto e = error_of(r)) {
                       return sc_error(*e);
                   }
                   return sc_empty();
               }));
    router.add(V::put, inst + "/heartbeat", net::sync_route([this](RouteContext& c) -> Reply {
                   auto r =
                       store_.heartbeat(tenant_of(c), c.param("serviceId"), c.param("instanceId"));
                   if (auto e = error_of(r)) {
                       return sc_error(*e);
                   }
                   return sc_empty();
               }));
    router.add(V::put, inst + "/status", sync(&ScApi::set_status));
    router.add(V::put, inst + "/properties", sync(&ScApi::put_instance_properties));
    router.add(V::put, base + "/heartbeats", net::sync_route([this](RouteContext& c) -> Reply {
                   auto body = body_of(c);
                   if (auto e = error_of(body)) {
                       return sc_error(*e);
                   }
                   auto r = store_.heartbeat_many(tenant_of(c), std::get<Json>(body));
                   if (auto e = error_of(r)) {
                       return sc_error(*e);
                   }
                   return sc_json(std::get<OrderedJson>(r));
               }));
    router.add(V::get, base + "/instances", sync(&ScApi::find));
    router.add(V::post, base + "/instances/action", sync(&ScApi::batch_find));
    router.add(V::get, svc + "/providers", net::sync_route([this](RouteContext& c) -> Reply {
                   auto r = store_.providers(tenant_of(c), c.param("serviceId"));
                   if (auto e = error_of(r)) {
                       return sc_error(*e);
                   }
                   return sc_json(std::get<OrderedJson>(r));
               }));
    router.add(V::get, svc + "/watcher", sync(&ScApi::watch));
    router.add(V::get, base + "/health", net::sync_route([this](RouteContext&) -> Reply {
                   return sc_json(store_.self_instances());
               }));
    // Probed by java-chassis; not in Apache SC (spec §7), answered 200 so JC keeps the address.
    router.add(V::get, base + "/health/readiness",
               net::sync_route([](RouteContext&) -> Reply { return sc_empty(); }));
    router.add(V::get, base + "/version", net::sync_route([this](RouteContext&) -> Reply {
                   OrderedJson v{{"version", version_}, {"buildTag", "sc-agent-dev-registry"},
                                 {"goVersion", "none"}, {"os", "linux"},
                                 {"arch", "amd64"},     {"apiVersion", "4.0.0"}};
                   return sc_json(v);
               }));
}

Reply ScApi::create_service(RouteContext& c) {
    auto body = body_of(c);
    if (auto e = error_of(body)) {
        return sc_error(*e);
    }
    auto r = store_.create_service(tenant_of(c), std::get<Json>(body));
    if (auto e = error_of(r)) {
        return sc_error(*e);
    }
    return sc_json(OrderedJson{{"serviceId", std::get<std::string>(r)}});
}

Reply ScApi::existence(RouteContext& c) {
    const auto type = c.query("type").value_or("");
    if (type != "microservice") {
        return sc_error(ApiError{kInvalidParams, "type must be microservice"});
    }
    const auto app = c.query("appId").value_or("");
    const auto name = c.query("serviceName").value_or("");
    const auto version = c.query("version").value_or("");
    const auto env = c.query("env").value_or("");
    if (auto e = validate_existence(app, name, version, env)) {
        return sc_error(*e);
    }
    auto r = store_.exist_service(tenant_of(c), env, app, name, version);
    if (auto e = error_of(r)) {
        return sc_error(*e);
    }
    return sc_json(OrderedJson{{"serviceId", std::get<std::string>(r)}});
}

Reply ScApi::delete_service(RouteContext& c) {
    const auto force_text = c.query("force").value_or("false");
    bool force = false;
    if (force_text == "true" || force_text == "1") {
        force = true;
    } else if (force_text != "false" && force_text != "0" && !force_text.empty()) {
        return sc_error(ApiError{kInvalidParams, "force must be true, false, 1 or 0"});
    }
    auto r = store_.delete_service(tenant_of(c), c.param("serviceId"), force);
    if (auto e = error_of(r)) {
        return sc_error(*e);
    }
    return sc_empty();
}

Reply ScApi::put_service_properties(RouteContext& c) {
    auto body = body_of(c);
    if (auto e = error_of(body)) {
        return sc_error(*e);
    }
    auto r =
        store_.put_service_properties(tenant_of(c), c.param("serviceId"), std::get<Json>(body));
    if (auto e = error_of(r)) {
        return sc_error(*e);
    }
    return sc_empty();
}

Reply ScApi::register_instance(RouteContext& c) {
    auto body = body_of(c);
    if (auto e = error_of(body)) {
        return sc_error(*e);
    }
    auto r = store_.register_instance(tenant_of(c), c.param("serviceId"), std::get<Json>(body));
    if (auto e = error_of(r)) {
        return sc_error(*e);
    }
    return sc_json(OrderedJson{{"instanceId", std::get<std::string>(r)}});
}

Reply ScApi::find(RouteContext& c) {
    RegistryStore::FindQuery q;
    q.app = c.query("appId").value_or("");
    q.name = c.query("serviceName").value_or("");
    q.env = c.query("env").value_or("");
    q.consumer_id = c.header("X-ConsumerId");
    const auto tags = c.query("tags").value_or("");
    for (std::size_t pos = 0; pos < tags.size();) {
        const auto comma = std::min(tags.find(',', pos), tags.size());
        if (comma > pos) {
            q.tags.push_back(tags.substr(pos, comma - pos));
        }
        pos = comma + 1;
    }
    auto r = store_.find(tenant_of(c), q);
    if (auto e = error_of(r)) {
        return sc_error(*e);
    }
    return found_reply(c, std::get<RegistryStore::Found>(r), false);
}

Reply ScApi::get_instances(RouteContext& c, bool one) {
    const auto consumer = c.header("X-ConsumerId");
    auto r = one ? store_.get_instance(tenant_of(c), c.param("serviceId"), c.param("instanceId"),
                                       consumer)
                 : store_.get_instances(tenant_of(c), c.param("serviceId"), consumer);
    if (auto e = error_of(r)) {
        return sc_error(*e);
    }
    return found_reply(c, std::get<RegistryStore::Found>(r), one);
}

Reply ScApi::batch_find(RouteContext& c) {
    if (c.query("type").value_or("") != "query") {
        return sc_error(ApiError{kInvalidParams, "type must be query"});
    }
    auto body = body_of(c);
    if (auto e = error_of(body)) {
        return sc_error(*e);
    }
    auto r = store_.batch_find(tenant_of(c), c.header("X-ConsumerId"), std::get<Json>(body));
    if (auto e = error_of(r)) {
        return sc_error(*e);
    }
    return sc_json(std::get<OrderedJson>(r));
}

Reply ScApi::set_status(RouteContext& c) {
    auto r = store_.set_status(tenant_of(c), c.param("serviceId"), c.param("instanceId"),
                               c.query("value").value_or(""));
    if (auto e = error_of(r)) {
        return sc_error(*e);
    }
    return sc_empty();
}

Reply ScApi::put_instance_properties(RouteContext& c) {
    auto body = body_of(c);
    if (auto e = error_of(body)) {
        return sc_error(*e);
    }
    auto r = store_.put_instance_properties(tenant_of(c), c.param("serviceId"),
                                            c.param("instanceId"), std::get<Json>(body));
    if (auto e = error_of(r)) {
        return sc_error(*e);
    }
    return sc_empty();
}

Reply ScApi::watch(RouteContext& c) {
    if (!c.is_websocket_upgrade()) {
        return sc_error(ApiError{kInvalidParams, "the watcher needs a websocket upgrade"});
    }
    const auto tenant = tenant_of(c);
    const auto sid = c.param("serviceId");
    Reply reply;
    reply.websocket = [this, key = consumer_key(tenant, sid),
                       exists = store_.service_exists(tenant, sid)](auto ws) {
        return run_watch(std::move(ws), key, exists);
    };
    return reply;
}

asio::awaitable<void> ScApi::run_watch(std::shared_ptr<net::WebSocketConnection> ws,
                                       std::string key, bool exists) {
    if (!exists) {
        // SCC looks for this substring, then drops the watcher (spec §1.4.11).
        co_await ws->write_text("service does not exist");
        co_await ws->close(1000, "service does not exist");
        co_return;
    }
    auto executor = ws->get_executor();
    auto timer = std::make_shared<asio::steady_timer>(executor);
    auto closed = std::make_shared<bool>(false);
    std::weak_ptr<asio::steady_timer> weak_timer = timer;
    auto sub = hub_.subscribe(key, [executor, weak_timer] {
        asio::post(executor, [weak_timer] {
            if (auto t = weak_timer.lock()) {
                t->cancel();
            }
        });
    });
    // The reader (it only notices the peer closing) and the writer run side by side; the
    // writer closes the socket when it ends, so the reader ends with it.
    auto writer = [&]() -> asio::awaitable<void> {
        while (!*closed) {
            // Frames published while a write was in flight lost their wake-up: drain to empty.
            for (auto frames = sub->drain(); !frames.empty() && !*closed; frames = sub->drain()) {
                for (auto& frame : frames) {
                    if (co_await ws->write_text(std::move(frame))) {
                        *closed = true;
                        break;
                    }
                }
            }
            if (*closed) {
                break;
            }
            timer->expires_after(ping_interval_);
            auto [ec] = co_await timer->async_wait(kNoThrow);
            if (!ec && !*closed && co_await ws->ping()) {
                break;
            }
        }
        ws->cancel();
    };
    using namespace asio::experimental::awaitable_operators;
    auto reading = watch_reader(ws, closed, timer);
    co_await (writer() && std::move(reading));
    hub_.unsubscribe(key, sub);
}

}  // namespace scagent::dev_registry
