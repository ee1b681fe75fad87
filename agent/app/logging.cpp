#include "agent/app/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <mutex>

#include "agent/app/redaction.hpp"
#include "plugins/api/text.hpp"

namespace scagent::app {
namespace {

/// The most one log line shows of its message (the fields of outside text inside it are capped
/// at plugins::kLogFieldCap where they are produced).
constexpr std::size_t kLogLineCap = 16 * 1024;

std::string iso8601(spdlog::log_clock::time_point time) {
    const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(time);
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(time - seconds).count();
    const std::time_t t = spdlog::log_clock::to_time_t(time);
    std::tm utc{};
    gmtime_r(&t, &utc);
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                  static_cast<int>(millis));
    return buffer;
}

/// The one sink of the process: redacts, formats (text or JSON) and writes to stderr.
class StderrSink final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    explicit StderrSink(config::LogFormat format) : format_(format) {
        set_formatter_(
            std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%e%z %-5l %n: %v"));
    }

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        const std::string message = sanitize_log_message({msg.payload.data(), msg.payload.size()});
        std::string line;
        if (format_ == config::LogFormat::kJson) {
            const auto level = spdlog::level::to_string_view(msg.level);
            line = format_json_line(iso8601(msg.time), {level.data(), level.size()},
                                    {msg.logger_name.data(), msg.logger_name.size()}, message) +
                   "\n";
        } else {
            spdlog::details::log_msg redacted = msg;
            redacted.payload = message;
            spdlog::memory_buf_t formatted;
            formatter_->format(redacted, formatted);
            line.assign(formatted.data(), formatted.size());
        }
        std::fwrite(line.data(), 1, line.size(), stderr);
    }
    void flush_() override { std::fflush(stderr); }

  private:
    config::LogFormat format_;
};

}  // namespace

std::string sanitize_log_message(std::string_view message) {
    return plugins::escape_for_log(redact_secrets(message), kLogLineCap);
}

std::string format_json_line(std::string_view time_iso8601, std::string_view level,
                             std::string_view logger, std::string_view message) {
    // Written by hand rather than with nlohmann, whose dump() throws on invalid UTF-8: a log line
    // must never throw. Bytes >= 0x80 pass through (UTF-8 is valid JSON text).
    std::string out = "{\"time\":\"" + std::string(time_iso8601) + "\",\"level\":\"" +
                      std::string(level) + "\",\"logger\":\"" + std::string(logger) +
                      "\",\"message\":\"";
    for (const char c : message) {
        const auto byte = static_cast<unsigned char>(c);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (byte < 0x20) {
                    char escaped[8];
                    std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
                    out += escaped;
                } else {
                    out.push_back(c);
                }
        }
    }
    out += "\"}";
    return out;
}

void configure_logging(const config::LogSettings& settings) {
    auto logger =
        std::make_shared<spdlog::logger>("sc-agent", std::make_shared<StderrSink>(settings.format));
    logger->set_level(spdlog::level::from_str(settings.level));
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(std::move(logger));
}

}  // namespace scagent::app
