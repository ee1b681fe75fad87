#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace scagent::dev_registry {

/// Fan-out of watch frames to websocket sessions, keyed by consumer ("tenant|serviceId").
/// Each subscriber has a bounded queue: on overflow the oldest frames go and the newest stay,
/// as SC does, so a slow client must still poll. Thread-safe.
class WatchHub {
  public:
    class Subscriber {
      public:
        explicit Subscriber(std::function<void()> wake) : wake_(std::move(wake)) {}
        /// Takes every queued frame, oldest first.
        std::vector<std::string> drain();
        std::size_t dropped() const;

      private:
        friend class WatchHub;
        void push(const std::string& frame, std::size_t capacity);

        const std::function<void()> wake_;  // posts a wake-up to the session's strand
        mutable std::mutex mutex_;
        std::deque<std::string> queue_;
        std::size_t dropped_ = 0;
    };

    explicit WatchHub(std::size_t queue_capacity = 256) : capacity_(queue_capacity) {}

    std::shared_ptr<Subscriber> subscribe(const std::string& consumer_key,
                                          std::function<void()> wake);
    void unsubscribe(const std::string& consumer_key, const std::shared_ptr<Subscriber>& sub);
    void publish(const std::string& consumer_key, const std::string& frame);
    std::size_t subscriber_count() const;

  private:
    const std::size_t capacity_;
    mutable std::mutex mutex_;
    std::map<std::string, std::set<std::shared_ptr<Subscriber>>> subscribers_;
};

}  // namespace scagent::dev_registry
