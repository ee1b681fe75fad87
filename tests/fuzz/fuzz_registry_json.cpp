// Service-center and kie answers, whatever a registry (or something pretending to be one) sends:
// every decoder either yields a value or an error, for a 2xx and for an error status alike.
#include <string>

#include "plugins/registry/servicecomb/kie_codec.hpp"
#include "plugins/registry/servicecomb/sc_responses.hpp"
#include "tests/fuzz/fuzz_target.hpp"

SC_AGENT_FUZZ_TARGET(fuzz_registry_json) {
    namespace sc = scagent::plugins::servicecomb;
    const std::string body(scagent::fuzz::text_of(data, size));
    for (const int status : {200, 400}) {
        scagent::plugins::HttpResponse response{status, {}, body};
        (void)sc::decode_service_id(response);
        (void)sc::decode_service(response);
        (void)sc::decode_instance_id(response);
        (void)sc::decode_heartbeat_batch(response);
        (void)sc::decode_find_instances(response);
        (void)sc::decode_batch_find(response);
        (void)sc::decode_instances(response);
        (void)sc::decode_token(response);
        (void)sc::decode_kie_list(response);
    }
    (void)sc::decode_watch_event(body);
    return 0;
}
