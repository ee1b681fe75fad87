#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>

#include "agent/dev_registry/errors.hpp"
#include "agent/dev_registry/json_fields.hpp"
#include "plugins/api/clock.hpp"

namespace scagent::dev_registry {

/// One account and the tokens issued to it (spec §1.4.12). Tokens are JWT-shaped but opaque
/// here: the server remembers each one with its deadline on the injected clock, so a test can
/// expire a token by moving a FakeClock. Thread-safe.
class TokenAuthority {
  public:
    /// `min_expiration` is 15m in SC; tests lower it.
    TokenAuthority(plugins::Clock& clock, std::string user, std::string password,
                   std::chrono::seconds min_expiration = std::chrono::minutes(15));

    /// POST /v4/token: `{"name","password","tokenExpirationTime"}` → `{"token":...}`.
    Result<OrderedJson> issue(const Json& body);
    /// Checks an `Authorization` header value: 401204 missing, 401201 malformed or unknown,
    /// 401205 expired.
    Result<Unit> check(const std::string& authorization);

  private:
    plugins::Clock& clock_;
    const std::string user_;
    const std::string password_;
    const std::chrono::seconds min_expiration_;
    std::mutex mutex_;
    std::map<std::string, plugins::Clock::TimePoint> tokens_;
};

}  // namespace scagent::dev_registry
