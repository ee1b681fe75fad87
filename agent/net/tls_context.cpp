#include "agent/net/tls_context.hpp"

#include <openssl/ssl.h>

#include <stdexcept>

namespace scagent::net {
namespace {

namespace ssl = boost::asio::ssl;
using boost::system::error_code;

template <class Load>
void load(const char* option, const std::string& file, Load&& fn) {
    error_code ec;
    fn(ec);
    if (ec) {
        throw std::runtime_error(std::string("registry.tls.") + option + ": cannot load '" + file +
                                 "': " + ec.message());
    }
}

}  // namespace

ssl::context make_client_tls_context(const TlsOptions& options) {
    ssl::context context(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
    if (options.verify) {
        context.set_verify_mode(ssl::verify_peer);
        if (options.ca_file.empty()) {
            context.set_default_verify_paths();
        } else {
            load("ca_file", options.ca_file,
                 [&](error_code& ec) { context.load_verify_file(options.ca_file, ec); });
        }
    } else {
        context.set_verify_mode(ssl::verify_none);
    }
    if (!options.cert_file.empty()) {
        load("cert_file", options.cert_file,
             [&](error_code& ec) { context.use_certificate_chain_file(options.cert_file, ec); });
        load("key_file", options.key_file, [&](error_code& ec) {
            context.use_private_key_file(options.key_file, ssl::context::pem, ec);
        });
    }
    return context;
}

LazyTlsContext::LazyTlsContext(TlsOptions options) : options_(std::move(options)) {
    if (!options_.ca_file.empty() || !options_.cert_file.empty()) {
        get();  // files to load: their errors belong to startup
    }
}

ssl::context& LazyTlsContext::get() {
    std::call_once(once_, [this] {
        context_ = std::make_unique<ssl::context>(make_client_tls_context(options_));
    });
    return *context_;
}

}  // namespace scagent::net
