#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/registry/servicecomb/model.hpp"

namespace scagent::plugins::servicecomb {

/// Parses a find or batch-find answer, decoding its instances while the body is read, so the DOM
/// of the whole body never exists: each instance object becomes a MicroServiceInstance as soon as
/// it closes and leaves the DOM. A DOM costs ~10x the body (58 MiB for a 10k-instance answer,
/// bench/cache/memory.py); this way one instance's DOM is alive at a time.
///
/// A SAX handler of our own (nlohmann's callback parser rescans the parent of every closed object,
/// which a hostile body of a million small objects turns into hours). Every top-level
/// "instances" array (one not nested in another) becomes a batch; in the DOM the array is replaced
/// by a binary value holding the batch number, which no JSON text can produce, so nothing in the
/// body can stand for a batch. `take()` reads a field back (a plain array too).
class InstanceStream {
  public:
    using Json = nlohmann::json;

    InstanceStream() = default;
    InstanceStream(const InstanceStream&) = delete;
    InstanceStream& operator=(const InstanceStream&) = delete;

    /// The body's DOM without its instances; a discarded value when it is not JSON.
    Json parse(std::string_view body);

    /// The first instance that did not decode (wrongly typed field, not an object), if any.
    const std::optional<std::string>& error() const noexcept { return error_; }

    /// The instances of `object[key]`: the batch the placeholder names, or the array decoded in
    /// place; empty when missing or null. Throws nlohmann's type_error on any other value.
    std::vector<MicroServiceInstance> take(const Json& object, const char* key);

    // nlohmann's SAX interface (json::sax_parse); not for direct use.
    bool null() { return add(Json(nullptr)); }
    bool boolean(bool value) { return add(Json(value)); }
    bool number_integer(Json::number_integer_t value) { return add(Json(value)); }
    bool number_unsigned(Json::number_unsigned_t value) { return add(Json(value)); }
    bool number_float(Json::number_float_t value, const std::string&) { return add(Json(value)); }
    bool string(std::string& value) { return add(Json(std::move(value))); }
    bool binary(Json::binary_t& value) { return add(Json(std::move(value))); }
    bool start_object(std::size_t);
    bool key(std::string& name);
    bool end_object();
    bool start_array(std::size_t);
    bool end_array();
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
        return false;
    }

  private:
    static constexpr std::ptrdiff_t kNoBatch = -1;
    struct Open {
        Json* value;
        std::ptrdiff_t batch;  ///< the batch an instances array collects, or kNoBatch
    };

    /// Puts `value` where the parse is (root, array element or the pending member); its address.
    Json* place(Json value);
    bool add(Json value);
    void note_if_in_batch();

    Json root_;
    std::vector<Open> open_;
    Json* member_ = nullptr;  ///< the slot the last key() made in the open object
    std::string pending_key_;
    std::size_t inside_batches_ = 0;
    std::vector<std::vector<MicroServiceInstance>> batches_;
    std::optional<std::string> error_;
};

}  // namespace scagent::plugins::servicecomb
