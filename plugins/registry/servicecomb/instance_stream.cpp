#include "plugins/registry/servicecomb/instance_stream.hpp"

#include <exception>
#include <utility>

namespace scagent::plugins::servicecomb {

InstanceStream::Json InstanceStream::parse(std::string_view body) {
    if (!Json::sax_parse(body, this) || !open_.empty()) {
        return Json(Json::value_t::discarded);
    }
    return std::move(root_);
}

// Where a value goes: the document itself, the end of the open array, or the member the last
// key() named. Pointers to open containers stay valid: an array only grows after its open last
// element has closed, and object members are map nodes.
InstanceStream::Json* InstanceStream::place(Json value) {
    if (open_.empty()) {
        root_ = std::move(value);
        return &root_;
    }
    Json& parent = *open_.back().value;
    if (parent.is_array()) {
        parent.push_back(std::move(value));
        return &parent.back();
    }
    *member_ = std::move(value);
    return member_;
}

bool InstanceStream::add(Json value) {
    note_if_in_batch();
    pending_key_.clear();
    place(std::move(value));
    return true;
}

// An element of an instances array that is not an object would vanish with the array its batch
// replaces; a whole-DOM decode fails on it, so this one does too.
void InstanceStream::note_if_in_batch() {
    if (!open_.empty() && open_.back().batch != kNoBatch && !error_) {
        error_ = "an element of \"instances\" is not a JSON object";
    }
}

bool InstanceStream::start_object(std::size_t) {
    pending_key_.clear();
    open_.push_back(Open{place(Json::object()), kNoBatch});
    return true;
}

bool InstanceStream::key(std::string& name) {
    pending_key_ = name;
    member_ = &(*open_.back().value)[name];
    return true;
}

bool InstanceStream::end_object() {
    open_.pop_back();
    if (open_.empty() || open_.back().batch == kNoBatch) {
        return true;
    }
    // An element of an instances array: decode it now and drop its DOM.
    Json& array = *open_.back().value;
    try {
        batches_[static_cast<std::size_t>(open_.back().batch)].push_back(
            array.back().get<MicroServiceInstance>());
    } catch (const std::exception& e) {
        if (!error_) {
            error_ = e.what();
        }
    }
    array.get_ref<Json::array_t&>().pop_back();
    return true;
}

bool InstanceStream::start_array(std::size_t) {
    const bool batch = inside_batches_ == 0 && pending_key_ == "instances";
    note_if_in_batch();
    pending_key_.clear();
    Json* array = place(Json::array());
    if (batch) {
        batches_.emplace_back();
        ++inside_batches_;
        open_.push_back(Open{array, static_cast<std::ptrdiff_t>(batches_.size() - 1)});
    } else {
        open_.push_back(Open{array, kNoBatch});
    }
    return true;
}

bool InstanceStream::end_array() {
    const Open closed = open_.back();
    open_.pop_back();
    if (closed.batch != kNoBatch) {
        --inside_batches_;
        *closed.value = Json::binary({}, static_cast<std::uint64_t>(closed.batch));
    }
    return true;
}

std::vector<MicroServiceInstance> InstanceStream::take(const Json& object, const char* key) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        return {};
    }
    if (it->is_binary() && it->get_binary().has_subtype()) {
        const auto batch = static_cast<std::size_t>(it->get_binary().subtype());
        if (batch < batches_.size()) {
            return std::move(batches_[batch]);
        }
        return {};
    }
    return it->get<std::vector<MicroServiceInstance>>();
}

}  // namespace scagent::plugins::servicecomb
