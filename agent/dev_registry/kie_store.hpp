#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/dev_registry/errors.hpp"
#include "agent/dev_registry/json_fields.hpp"
#include "agent/dev_registry/registry_store.hpp"

namespace scagent::dev_registry {

using Labels = std::map<std::string, std::string>;

/// The in-memory kie (spec §3): KVs per domain/project, one revision counter per domain, and
/// one-shot observers that long polls wait on.
/// Thread-safety: every public method locks; observer wake-ups run under the lock and must only
/// post work elsewhere.
class KieStore {
  public:
    struct ListQuery {
        Labels labels;
        bool exact = false;
        std::string key;    ///< exact, beginWith(prefix) or wildcard(pattern)
        std::string value;  ///< substring
        std::string status;
        std::int64_t offset = 0;
        std::int64_t limit = 0;  ///< 0 = all
    };

    explicit KieStore(std::size_t max_kvs = 10'000) : max_kvs_(max_kvs) {}

    Result<OrderedJson> create(const std::string& domain, const std::string& project,
                               const Json& body);
    Result<OrderedJson> update(const std::string& domain, const std::string& project,
                               const std::string& id, const Json& body);
    Result<OrderedJson> get(const std::string& domain, const std::string& project,
                            const std::string& id);
    Result<Unit> remove(const std::string& domain, const std::string& project,
                        const std::string& id);
    void remove_many(const std::string& domain, const std::string& project,
                     const std::vector<std::string>& ids);
    /// `{"total":N,"data":[...]}` and the domain revision it was read at.
    std::pair<OrderedJson, std::int64_t> list(const std::string& domain, const std::string& project,
                                              const ListQuery& q);
    std::int64_t revision(const std::string& domain);

    /// Registers a one-shot observer woken by the next change whose labels match (§3.2).
    std::uint64_t observe(const std::string& domain, const std::string& project, Labels labels,
                          bool exact, std::function<void()> wake);
    void unobserve(std::uint64_t id);
    std::size_t observer_count();
    /// Shutdown: wakes every observer now, and any registered later at once, so that held long
    /// polls answer (304 when nothing changed) instead of keeping the server busy to their end.
    void close();

    /// `^[a-zA-Z0-9._:-]+$`, at most 2048.
    static bool valid_key(const std::string& key);
    static bool valid_label_key(const std::string& key);
    static bool valid_label_value(const std::string& value);

  private:
    struct Kv {
        std::string domain;
        std::string project;
        Labels labels;
        OrderedJson doc;
    };
    struct Observer {
        std::string domain;
        std::string project;
        Labels labels;
        bool exact;
        std::function<void()> wake;
    };
    void changed_locked(const Kv& kv);
    std::int64_t bump_locked(const std::string& domain);

    const std::size_t max_kvs_;
    std::mutex mutex_;
    std::map<std::string, Kv> kvs_;  // by id (sha256 of domain/project/key/labels)
    std::map<std::string, std::int64_t> revisions_;
    std::map<std::uint64_t, Observer> observers_;
    std::uint64_t next_observer_ = 0;
    bool closed_ = false;
};

/// Whether a change with `event` labels wakes a topic of `topic` labels (kie Topic.Match).
bool labels_match(const Labels& topic, bool exact, const Labels& event);

}  // namespace scagent::dev_registry
