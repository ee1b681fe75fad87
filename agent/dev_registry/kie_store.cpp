#include "agent/dev_registry/kie_store.hpp"

#include <algorithm>
#include <chrono>

#include "agent/dev_registry/hashing.hpp"
#include "agent/dev_registry/validation.hpp"

namespace scagent::dev_registry {

namespace {

constexpr std::size_t kMaxValueBytes = 128 * 1024;
constexpr std::size_t kMaxLabels = 6;

ApiError invalid(const std::string& detail) {
    return ApiError{kKieInvalidParams, detail};
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// "k=v::k2=v2" sorted by key, or "none" (kie stringutil.FormatMap).
std::string label_format(const Labels& labels) {
    if (labels.empty()) {
        return "none";
    }
    std::string out;
    for (const auto& [k, v] : labels) {
        out += (out.empty() ? "" : "::") + k + "=" + v;
    }
    return out;
}

bool glob_match(std::string_view pattern, std::string_view text) {
    // Iterative '*' matching with backtracking to the last star.
    std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
    while (t < text.size()) {
        if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = t;
        } else if (p < pattern.size() && pattern[p] == text[t]) {
            ++p;
            ++t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') {
        ++p;
    }
    return p == pattern.size();
}

bool key_matches(const std::string& filter, const std::string& key) {
    if (filter.empty()) {
        return true;
    }
    const auto inner = [&](std::string_view prefix) -> std::optional<std::string_view> {
        if (filter.size() > prefix.size() + 1 && filter.starts_with(prefix) &&
            filter.back() == ')') {
            return std::string_view(filter).substr(prefix.size(),
                                                   filter.size() - prefix.size() - 1);
        }
        return std::nullopt;
    };
    if (auto prefix = inner("beginWith(")) {
        return key.starts_with(*prefix);
    }
    if (auto pattern = inner("wildcard(")) {
        return glob_match(*pattern, key);
    }
    return key == filter;
}

Result<std::string> string_field(const Json& body, const char* name) {
    const Json* v = find_field(body, name);
    if (v == nullptr || v->is_null()) {
        return std::string();
    }
    if (!v->is_string()) {
        return invalid(std::string("field '") + name + "' must be a string");
    }
    return v->get<std::string>();
}

}  // namespace

bool KieStore::valid_key(const std::string& key) {
    return !key.empty() && key.size() <= 2048 && std::all_of(key.begin(), key.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' ||
               c == ':' || c == '-';
    });
}

bool KieStore::valid_label_key(const std::string& key) {
    return !key.empty() && key.size() <= 32 && is_name(key);
}

bool KieStore::valid_label_value(const std::string& value) {
    return value.size() <= 160 && is_name(value);
}

bool labels_match(const Labels& topic, bool exact, const Labels& event) {
    if (exact) {
        return topic == event;
    }
    return std::all_of(topic.begin(), topic.end(), [&](const auto& kv) {
        auto it = event.find(kv.first);
        return it != event.end() && it->second == kv.second;
    });
}

std::int64_t KieStore::bump_locked(const std::string& domain) {
    return ++revisions_[domain];
}

void KieStore::changed_locked(const Kv& kv) {
    for (auto it = observers_.begin(); it != observers_.end();) {
        const auto& o = it->second;
        if (o.domain == kv.domain && o.project == kv.project &&
            labels_match(o.labels, o.exact, kv.labels)) {
            o.wake();
            it = observers_.erase(it);  // one-shot, like kie's ObserveOnce
        } else {
            ++it;
        }
    }
}

Result<OrderedJson> KieStore::create(const std::string& domain, const std::string& project,
                                     const Json& body) {
    auto key = string_field(body, "key");
    auto value = string_field(body, "value");
    auto value_type = string_field(body, "value_type");
    auto status = string_field(body, "status");
    for (auto* r : {&key, &value, &value_type, &status}) {
        if (failed(*r)) {
            return std::get<ApiError>(*r);
        }
    }
    const auto& k = std::get<std::string>(key);
    if (!valid_key(k)) {
        return invalid("key must match ^[a-zA-Z0-9._:-]+$ and be at most 2048 characters");
    }
    if (std::get<std::string>(value).size() > kMaxValueBytes) {
        return invalid("value is larger than 128 KiB");
    }
    std::string type = std::get<std::string>(value_type);
    static const std::vector<std::string> kTypes = {"ini",  "json",       "text",
                                                    "yaml", "properties", "xml"};
    if (!type.empty() && std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end()) {
        return invalid("value_type must be one of ini, json, text, yaml, properties, xml");
    }
    std::string st = std::get<std::string>(status);
    if (!st.empty() && st != "enabled" && st != "disabled") {
        return invalid("status must be enabled or disabled");
    }
    Labels labels;
    if (const Json* l = find_field(body, "labels"); l != nullptr && !l->is_null()) {
        if (!l->is_object()) {
            return invalid("labels must be an object of strings");
        }
        for (const auto& [lk, lv] : l->items()) {
            if (!lv.is_string()) {
                return invalid("labels must be an object of strings");
            }
            if (!valid_label_key(lk) || !valid_label_value(lv.get<std::string>())) {
                return invalid("label " + lk + " has an invalid key or value");
            }
            labels[lk] = lv.get<std::string>();
        }
    }
    if (labels.size() > kMaxLabels) {
        return invalid("at most 6 labels per key");
    }
    const auto id = sha256_hex(domain + "/" + project + "/" + k + "/" + label_format(labels));
    std::lock_guard lock(mutex_);
    if (kvs_.contains(id)) {
        return ApiError{kKieAlreadyExists, "key with labels already exists"};
    }
    if (kvs_.size() >= max_kvs_) {
        return ApiError{422001, "too many key values"};
    }
    const auto rev = bump_locked(domain);
    const auto now = unix_now();
    OrderedJson doc;
    doc["id"] = id;
    doc["key"] = k;
    doc["labels"] = labels;
    doc["value"] = std::get<std::string>(value);
    doc["value_type"] = type.empty() ? "text" : type;
    doc["status"] = st.empty() ? "disabled" : st;
    doc["create_time"] = now;
    doc["update_time"] = now;
    doc["create_revision"] = rev;
    doc["update_revision"] = rev;
    auto& kv = kvs_[id] = Kv{domain, project, std::move(labels), doc};
    changed_locked(kv);
    return doc;
}

Result<OrderedJson> KieStore::update(const std::string& domain, const std::string& project,
                                     const std::string& id, const Json& body) {
    auto value = string_field(body, "value");
    auto status = string_field(body, "status");
    if (failed(value)) {
        return std::get<ApiError>(value);
    }
    if (failed(status)) {
        return std::get<ApiError>(status);
    }
    const auto& v = std::get<std::string>(value);
    const auto& st = std::get<std::string>(status);
    if (v.size() > kMaxValueBytes) {
        return invalid("value is larger than 128 KiB");
    }
    if (!st.empty() && st != "enabled" && st != "disabled") {
        return invalid("status must be enabled or disabled");
    }
    std::lock_guard lock(mutex_);
    auto it = kvs_.find(id);
    if (it == kvs_.end() || it->second.domain != domain || it->second.project != project) {
        return ApiError{kKieNotFound, "key value not found"};
    }
    auto& doc = it->second.doc;
    // Only non-empty fields apply (kie's update).
    if (!v.empty()) {
        doc["value"] = v;
    }
    if (!st.empty()) {
        doc["status"] = st;
    }
    doc["update_time"] = unix_now();
    doc["update_revision"] = bump_locked(domain);
    changed_locked(it->second);
    return doc;
}

Result<OrderedJson> KieStore::get(const std::string& domain, const std::string& project,
                                  const std::string& id) {
    std::lock_guard lock(mutex_);
    auto it = kvs_.find(id);
    if (it == kvs_.end() || it->second.domain != domain || it->second.project != project) {
        return ApiError{kKieNotFound, "key value not found"};
    }
    return it->second.doc;
}

Result<Unit> KieStore::remove(const std::string& domain, const std::string& project,
                              const std::string& id) {
    std::lock_guard lock(mutex_);
    auto it = kvs_.find(id);
    if (it == kvs_.end() || it->second.domain != domain || it->second.project != project) {
        return ApiError{kKieNotFound, "key value not found"};
    }
    const Kv gone = std::move(it->second);
    kvs_.erase(it);
    bump_locked(domain);
    changed_locked(gone);
    return Unit{};
}

void KieStore::remove_many(const std::string& domain, const std::string& project,
                           const std::vector<std::string>& ids) {
    for (const auto& id : ids) {
        remove(domain, project, id);
    }
}

std::pair<OrderedJson, std::int64_t> KieStore::list(const std::string& domain,
                                                    const std::string& project,
                                                    const ListQuery& q) {
    std::lock_guard lock(mutex_);
    std::vector<const Kv*> matched;
    for (const auto& [id, kv] : kvs_) {
        if (kv.domain != domain || kv.project != project ||
            !labels_match(q.labels, q.exact, kv.labels) ||
            !key_matches(q.key, kv.doc["key"].get<std::string>()) ||
            (!q.status.empty() && kv.doc["status"] != q.status) ||
            (!q.value.empty() &&
             kv.doc["value"].get<std::string>().find(q.value) == std::string::npos)) {
            continue;
        }
        matched.push_back(&kv);
    }
    std::sort(matched.begin(), matched.end(), [](const Kv* a, const Kv* b) {
        return a->doc["create_revision"].get<std::int64_t>() <
               b->doc["create_revision"].get<std::int64_t>();
    });
    OrderedJson out;
    out["total"] = matched.size();
    out["data"] = OrderedJson::array();
    const auto begin = static_cast<std::size_t>(std::max<std::int64_t>(q.offset, 0));
    for (std::size_t i = begin; i < matched.size(); ++i) {
        if (q.limit > 0 && i - begin >= static_cast<std::size_t>(q.limit)) {
            break;
        }
        out["data"].push_back(matched[i]->doc);
    }
    auto rev = revisions_.find(domain);
    return {out, rev == revisions_.end() ? 0 : rev->second};
}

std::int64_t KieStore::revision(const std::string& domain) {
    std::lock_guard lock(mutex_);
    auto it = revisions_.find(domain);
    return it == revisions_.end() ? 0 : it->second;
}

std::uint64_t KieStore::observe(const std::string& domain, const std::string& project,
                                Labels labels, bool exact, std::function<void()> wake) {
    std::lock_guard lock(mutex_);
    if (closed_) {
        wake();
        return ++next_observer_;
    }
    observers_[++next_observer_] =
        Observer{domain, project, std::move(labels), exact, std::move(wake)};
    return next_observer_;
}

void KieStore::close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    for (auto& [id, observer] : observers_) {
        observer.wake();
    }
    observers_.clear();
}

void KieStore::unobserve(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    observers_.erase(id);
}

}  // namespace scagent::dev_registry

namespace scagent::dev_registry {

std::size_t KieStore::observer_count() {
    std::lock_guard lock(mutex_);
    return observers_.size();
}

}  // namespace scagent::dev_registry
