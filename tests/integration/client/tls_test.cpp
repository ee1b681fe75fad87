#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "agent/net/http_client.hpp"
#include "tests/integration/client/client_test_support.hpp"
#include "tests/support/fake_http_server.hpp"

namespace scagent::testing {
namespace {

// A throw-away PKI made with the openssl CLI: a CA, a server certificate it signs for
// 127.0.0.1/localhost, a server certificate for another name, and an unrelated CA.
class TestPki {
  public:
    TestPki() {
        char pattern[] = "/tmp/sc-agent-pki-XXXXXX";
        if (::mkdtemp(pattern) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        dir_ = pattern;
        make_ca("ca");
        make_ca("other-ca");
        make_server("server", "ca", "IP:127.0.0.1,DNS:localhost");
        make_server("wrong-name", "ca", "DNS:somewhere.else");
    }
    ~TestPki() {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    std::string path(const std::string& name) const { return (dir_ / name).string(); }

  private:
    void sh(const std::string& command) const {
        std::string full = "cd '" + dir_.string() + "' && " + command + " >/dev/null 2>&1";
        if (std::system(full.c_str()) != 0) {
            throw std::runtime_error("command failed: " + command);
        }
    }
    void make_ca(const std::string& name) const {
        sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " +
           name + ".key -out " + name + ".crt -days 2 -subj /CN=" + name);
    }
    void make_server(const std::string& name, const std::string& ca, const std::string& san) const {
        std::ofstream(dir_ / (name + ".ext"))
            << "subjectAltName=" << san << "\nbasicConstraints=CA:FALSE\n";
        sh("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + name +
           ".key -out " + name + ".csr -subj /CN=" + name);
        sh("openssl x509 -req -in " + name + ".csr -CA " + ca + ".crt -CAkey " + ca +
           ".key -CAcreateserial -out " + name + ".crt -days 2 -extfile " + name + ".ext");
    }

    std::filesystem::path dir_;
};

class TlsTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { pki = new TestPki(); }
    static void TearDownTestSuite() {
        delete pki;
        pki = nullptr;
    }

    FakeTls server_files(const std::string& name) const {
        return FakeTls{pki->path(name + ".crt"), pki->path(name + ".key")};
    }

    static inline TestPki* pki = nullptr;
    boost::asio::io_context ioc;
};

FakeReply ok(const FakeRequest&) {
    return FakeReply{.status = 200, .body = "secure"};
}

TEST_F(TlsTest, VerifiesServerAgainstConfiguredCaAndReusesConnection) {
    FakeHttpServer server(ioc, ok, server_files("server"));
    HttpClient client(HttpClientOptions{.tls = {.ca_file = pki->path("ca.crt")}});
    for (int i = 0; i < 2; ++i) {
        auto result = run(ioc, client.send(get(server.origin()), deadline_in(5s)));
        ASSERT_TRUE(result.has_value()) << result.error().describe();
        EXPECT_EQ(result->body, "secure");
    }
    EXPECT_EQ(server.accepted(), 1);
}

TEST_F(TlsTest, HostNameOriginUsesSniAndVerifies) {
    FakeHttpServer server(ioc, ok, server_files("server"));
    HttpClient client(HttpClientOptions{.tls = {.ca_file = pki->path("ca.crt")}});
    auto origin = "https://localhost:" + std::to_string(server.port());
    auto result = run(ioc, client.send(get(origin), deadline_in(5s)));
    ASSERT_TRUE(result.has_value()) << result.error().describe();
}

TEST_F(TlsTest, WrongCaFailsVerification) {
    FakeHttpServer server(ioc, ok, server_files("server"));
    HttpClient client(HttpClientOptions{.tls = {.ca_file = pki->path("other-ca.crt")}});
    auto result = run(ioc, client.send(get(server.origin()), deadline_in(5s)));
    ASSERT_TRUE(result.has_error());
    EXPECT_EQ(result.error().kind, ErrorKind::tls) << result.error().describe();
    EXPECT_EQ(server.requests(), 0);
}

TEST_F(TlsTest, CertificateForAnotherNameFailsVerification) {
    FakeHttpServer server(ioc, ok, server_files("wrong-name"));
    HttpClient client(HttpClientOptions{.tls = {.ca_file = pki->path("ca.crt")}});
    auto result = run(ioc, client.send(get(server.origin()), deadline_in(5s)));
    ASSERT_TRUE(result.has_error());
    EXPECT_EQ(result.error().kind, ErrorKind::tls) << result.error().describe();
}

TEST_F(TlsTest, VerifyOffAcceptsAnyCertificate) {
    FakeHttpServer server(ioc, ok, server_files("wrong-name"));
    HttpClient client(HttpClientOptions{.tls = {.verify = false}});
    auto result = run(ioc, client.send(get(server.origin()), deadline_in(5s)));
    ASSERT_TRUE(result.has_value()) << result.error().describe();
}

TEST_F(TlsTest, MissingCaFileIsAStartupError) {
    try {
        HttpClient client(HttpClientOptions{.tls = {.ca_file = "/nonexistent/ca.pem"}});
        FAIL() << "expected an exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("registry.tls.ca_file"), std::string::npos);
    }
}

}  // namespace
}  // namespace scagent::testing
