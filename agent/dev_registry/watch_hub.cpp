#include "agent/dev_registry/watch_hub.hpp"

namespace scagent::dev_registry {

std::vector<std::string> WatchHub::Subscriber::drain() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out(std::make_move_iterator(queue_.begin()),
                                 std::make_move_iterator(queue_.end()));
    queue_.clear();
    return out;
}

std::size_t WatchHub::Subscriber::dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
}

void WatchHub::Subscriber::push(const std::string& frame, std::size_t capacity) {
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(frame);
        while (queue_.size() > capacity) {
            queue_.pop_front();
            ++dropped_;
        }
    }
    wake_();
}

std::shared_ptr<WatchHub::Subscriber> WatchHub::subscribe(const std::string& consumer_key,
                                                          std::function<void()> wake) {
    auto sub = std::make_shared<Subscriber>(std::move(wake));
    std::lock_guard lock(mutex_);
    subscribers_[consumer_key].insert(sub);
    return sub;
}

void WatchHub::unsubscribe(const std::string& consumer_key,
                           const std::shared_ptr<Subscriber>& sub) {
    std::lock_guard lock(mutex_);
    auto it = subscribers_.find(consumer_key);
    if (it == subscribers_.end()) {
        return;
    }
    it->second.erase(sub);
    if (it->second.empty()) {
        subscribers_.erase(it);
    }
}

void WatchHub::publish(const std::string& consumer_key, const std::string& frame) {
    std::lock_guard lock(mutex_);
    auto it = subscribers_.find(consumer_key);
    if (it == subscribers_.end()) {
        return;
    }
    for (const auto& sub : it->second) {
        sub->push(frame, capacity_);
    }
}

std::size_t WatchHub::subscriber_count() const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [key, subs] : subscribers_) {
        n += subs.size();
    }
    return n;
}

}  // namespace scagent::dev_registry
