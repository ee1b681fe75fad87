#include "config/yaml_bounds.hpp"

namespace scagent::config {
namespace {

class BoundsWalk {
  public:
    explicit BoundsWalk(const YamlBounds& bounds) : bounds_(bounds) {}

    void visit(const YAML::Node& node, std::size_t depth) {
        if (depth > bounds_.max_depth) {
            fail(node, "nested deeper than " + std::to_string(bounds_.max_depth) +
                           " levels (or an alias refers to itself)");
        }
        if (++nodes_ > bounds_.max_nodes) {
            fail(node, "expands to more than " + std::to_string(bounds_.max_nodes) +
                           " nodes (aliases counted at every use)");
        }
        switch (node.Type()) {
            case YAML::NodeType::Scalar:
                scalar_bytes_ += node.Scalar().size();
                if (scalar_bytes_ > bounds_.max_scalar_bytes) {
                    fail(node, "expands to more than " + std::to_string(bounds_.max_scalar_bytes) +
                                   " bytes of text (aliases counted at every use)");
                }
                break;
            case YAML::NodeType::Sequence:
                for (const auto& element : node) {
                    visit(element, depth + 1);
                }
                break;
            case YAML::NodeType::Map:
                for (const auto& entry : node) {
                    visit(entry.first, depth + 1);
                    visit(entry.second, depth + 1);
                }
                break;
            default:
                break;
        }
    }

  private:
    [[noreturn]] static void fail(const YAML::Node& node, const std::string& message) {
        throw YAML::ParserException(node.Mark(), message);
    }

    const YamlBounds& bounds_;
    std::size_t nodes_ = 0;
    std::size_t scalar_bytes_ = 0;
};

}  // namespace

void check_yaml_bounds(const YAML::Node& root, const YamlBounds& bounds) {
    BoundsWalk(bounds).visit(root, 0);
}

YAML::Node load_yaml(const std::string& text, const YamlBounds& bounds) {
    YAML::Node root = YAML::Load(text);
    check_yaml_bounds(root, bounds);
    return root;
}

}  // namespace scagent::config
