#include "agent/app/redaction.hpp"

#include <array>
#include <cctype>

namespace scagent::app {
namespace {

constexpr std::string_view kMask = "***";

bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

bool equals_lower(std::string_view name, std::string_view lower) {
    if (name.size() != lower.size()) {
        return false;
    }
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(name[i])) != lower[i]) {
            return false;
        }
    }
    return true;
}

bool ends_with_lower(std::string_view name, std::string_view suffix) {
    return name.size() > suffix.size() &&
           (name[name.size() - suffix.size() - 1] == '_' ||
            name[name.size() - suffix.size() - 1] == '-') &&
           equals_lower(name.substr(name.size() - suffix.size()), suffix);
}

enum class Name { kOther, kAuthorization, kBearer, kSecret };

Name classify(std::string_view name) {
    static constexpr std::array<std::string_view, 7> kSecretNames = {
        "password", "passwd", "pwd", "token", "secret", "credential", "credentials"};
    static constexpr std::array<std::string_view, 3> kSecretSuffixes = {"token", "secret",
                                                                        "password"};
    if (equals_lower(name, "authorization")) {
        return Name::kAuthorization;
    }
    if (equals_lower(name, "bearer")) {
        return Name::kBearer;
    }
    for (const auto secret : kSecretNames) {
        if (equals_lower(name, secret)) {
            return Name::kSecret;
        }
    }
    for (const auto suffix : kSecretSuffixes) {
        if (ends_with_lower(name, suffix)) {
            return Name::kSecret;
        }
    }
    return Name::kOther;
}

/// The scan over one line: copies text to `out_`, replacing secret values by kMask.
class Redactor {
  public:
    explicit Redactor(std::string_view text) : text_(text) { out_.reserve(text.size()); }

    std::string run() {
        while (pos_ < text_.size()) {
            if (!is_name_char(text_[pos_])) {
                out_ += text_[pos_++];
                continue;
            }
            const std::size_t start = pos_;
            while (pos_ < text_.size() && is_name_char(text_[pos_])) {
                ++pos_;
            }
            const std::string_view name = text_.substr(start, pos_ - start);
            out_ += name;
            switch (classify(name)) {
                case Name::kAuthorization:
                    if (separator()) {
                        scheme();
                        value("\",}");
                    }
                    break;
                case Name::kBearer:
                    if (pos_ < text_.size() && is_space(text_[pos_])) {
                        copy_spaces();
                        value("\",}&");
                    }
                    break;
                case Name::kSecret:
                    if (separator()) {
                        value("\",}&");
                    }
                    break;
                case Name::kOther:
                    break;
            }
        }
        return std::move(out_);
    }

  private:
    /// After a name: `"? \s* [:=] \s*` copied; true when it was there.
    bool separator() {
        std::size_t p = pos_;
        if (p < text_.size() && text_[p] == '"') {
            ++p;
        }
        while (p < text_.size() && is_space(text_[p])) {
            ++p;
        }
        if (p >= text_.size() || (text_[p] != ':' && text_[p] != '=')) {
            return false;
        }
        ++p;
        while (p < text_.size() && is_space(text_[p])) {
            ++p;
        }
        out_ += text_.substr(pos_, p - pos_);
        pos_ = p;
        return true;
    }

    void copy_spaces() {
        while (pos_ < text_.size() && is_space(text_[pos_])) {
            out_ += text_[pos_++];
        }
    }

    /// An authorization scheme ("Bearer ", "Basic ") before the credentials is kept.
    void scheme() {
        std::size_t p = pos_ + (pos_ < text_.size() && text_[pos_] == '"' ? 1 : 0);
        const std::size_t word = p;
        while (p < text_.size() && std::isalnum(static_cast<unsigned char>(text_[p])) != 0) {
            ++p;
        }
        if (p > word && p + 1 < text_.size() && text_[p] == ' ' && !is_space(text_[p + 1])) {
            out_ += text_.substr(pos_, p + 1 - pos_);
            pos_ = p + 1;
        }
    }

    /// The value at pos_, masked: up to the closing quote when quoted (the quotes are kept),
    /// else up to whitespace or one of `ends`.
    void value(std::string_view ends) {
        bool quoted = pos_ < text_.size() && text_[pos_] == '"';
        if (quoted) {
            out_ += '"';
            ++pos_;
        }
        const std::size_t start = pos_;
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            if (quoted ? c == '"' : (is_space(c) || ends.find(c) != std::string_view::npos)) {
                break;
            }
            pos_ += quoted && c == '\\' && pos_ + 1 < text_.size() ? 2 : 1;
        }
        if (pos_ > start) {
            out_ += kMask;
        }
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::string out_;
};

}  // namespace

std::string redact_secrets(std::string_view line) {
    return Redactor(line).run();
}

}  // namespace scagent::app
