#include "agent/dev_registry/rbac.hpp"

#include "agent/dev_registry/hashing.hpp"
#include "agent/dev_registry/registry_store.hpp"
#include "config/duration.hpp"

namespace scagent::dev_registry {

namespace {

constexpr std::size_t kMaxTokens = 10'000;

std::string base64url(const std::string& in) {
    static constexpr char kChars[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const unsigned n = (static_cast<unsigned char>(in[i]) << 16) |
                           (static_cast<unsigned char>(in[i + 1]) << 8) |
                           static_cast<unsigned char>(in[i + 2]);
        out +=
            {kChars[(n >> 18) & 63], kChars[(n >> 12) & 63], kChars[(n >> 6) & 63], kChars[n & 63]};
    }
    if (i < in.size()) {
        unsigned n = static_cast<unsigned char>(in[i]) << 16;
        if (i + 1 < in.size()) {
            n |= static_cast<unsigned char>(in[i + 1]) << 8;
        }
        out += {kChars[(n >> 18) & 63], kChars[(n >> 12) & 63]};
        if (i + 1 < in.size()) {
            out += kChars[(n >> 6) & 63];
        }
    }
    return out;
}

}  // namespace

TokenAuthority::TokenAuthority(plugins::Clock& clock, std::string user, std::string password,
                               std::chrono::seconds min_expiration)
    : clock_(clock),
      user_(std::move(user)),
      password_(std::move(password)),
      min_expiration_(min_expiration) {}

Result<OrderedJson> TokenAuthority::issue(const Json& body) {
    const Json* name = find_field(body, "name");
    const Json* password = find_field(body, "password");
    const Json* expiration = find_field(body, "tokenExpirationTime");
    if (name == nullptr || !name->is_string() || password == nullptr || !password->is_string()) {
        return ApiError{kInvalidParams, "name and password are required"};
    }
    std::chrono::nanoseconds ttl = std::chrono::hours(12);
    if (expiration != nullptr && !expiration->is_null()) {
        auto parsed = expiration->is_string()
                          ? config::parse_go_duration(expiration->get<std::string>())
                          : std::nullopt;
        if (!parsed || *parsed < min_expiration_ || *parsed > std::chrono::hours(24)) {
            return ApiError{kInvalidParams, "tokenExpirationTime must be between " +
                                                std::to_string(min_expiration_.count()) +
                                                "s and 24h"};
        }
        ttl = *parsed;
    }
    if (*name != user_ || *password != password_) {
        return ApiError{kWrongPassword, "account name or password is wrong"};
    }
    const auto exp_unix = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch() + ttl)
                              .count();
    const std::string header = R"({"alg":"RS512","typ":"JWT"})";
    const std::string claims = OrderedJson{
        {"account", user_},
        {"exp", exp_unix},
        {"roles", {"admin"}},
        {"jti", uuid4_hex()}}.dump();
    const std::string token = base64url(header) + "." + base64url(claims) + "." +
                              base64url(sha256_hex(claims + uuid4_hex()));
    std::lock_guard lock(mutex_);
    const auto now = clock_.now();
    // Long-dead tokens go; recently expired ones stay so that they still answer 401205.
    std::erase_if(tokens_,
                  [now](const auto& t) { return t.second + std::chrono::hours(24) <= now; });
    if (tokens_.size() >= kMaxTokens) {
        tokens_.erase(tokens_.begin());
    }
    tokens_[token] = now + std::chrono::duration_cast<plugins::Clock::Duration>(ttl);
    return OrderedJson{{"token", token}};
}

Result<Unit> TokenAuthority::check(const std::string& authorization) {
    if (authorization.empty()) {
        return ApiError{kNoAuthHeader, "should provide Authorization header"};
    }
    // SC splits on one space into exactly two parts and ignores the scheme word.
    const auto space = authorization.find(' ');
    if (space == std::string::npos || authorization.find(' ', space + 1) != std::string::npos) {
        return ApiError{kUnauthorized, "invalid authorization header format"};
    }
    const std::string token = authorization.substr(space + 1);
    std::lock_guard lock(mutex_);
    auto it = tokens_.find(token);
    if (it == tokens_.end()) {
        return ApiError{kUnauthorized, "token is invalid"};
    }
    if (it->second <= clock_.now()) {
        return ApiError{kTokenExpired, "token is expired"};
    }
    return Unit{};
}

}  // namespace scagent::dev_registry
