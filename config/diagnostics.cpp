#include "config/diagnostics.hpp"

#include <algorithm>
#include <map>

namespace scagent::config {

std::string Diagnostic::to_string() const {
    std::string out = where.file;
    if (where.line > 0) {
        out += ':' + std::to_string(where.line) + ':' + std::to_string(where.column);
    }
    out += ": ";
    if (!path.empty()) {
        out += path + ": ";
    }
    out += message;
    return out;
}

void Diagnostics::error(Location where, std::string path, std::string message) {
    items_.push_back({std::move(where), std::move(path), std::move(message)});
}

void Diagnostics::append(const Diagnostics& other) {
    items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

std::string Diagnostics::to_string() const {
    // Problems are found in schema order (unknown keys last); operators read files top to bottom.
    std::map<std::string, std::size_t> file_rank;
    for (const auto& item : items_) {
        file_rank.emplace(item.where.file, file_rank.size());
    }
    std::vector<const Diagnostic*> sorted;
    for (const auto& item : items_) {
        sorted.push_back(&item);
    }
    std::stable_sort(sorted.begin(), sorted.end(), [&](const Diagnostic* a, const Diagnostic* b) {
        const auto ra = file_rank.at(a->where.file);
        const auto rb = file_rank.at(b->where.file);
        if (ra != rb) {
            return ra < rb;
        }
        if (a->where.line != b->where.line) {
            return a->where.line < b->where.line;
        }
        return a->where.column < b->where.column;
    });
    std::string out;
    for (const auto* item : sorted) {
        out += item->to_string();
        out += '\n';
    }
    return out;
}

}  // namespace scagent::config
