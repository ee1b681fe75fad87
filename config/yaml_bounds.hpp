#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>

namespace scagent::config {

/// How far YAML from outside (agent.yaml, descriptors, the governance file, kie values, the disk
/// snapshot) may reach once its aliases are followed. yaml-cpp shares an aliased node instead of
/// copying it, so `x: &a [*a]` is a cycle and nested aliases ("billion laughs") are a few bytes
/// of text that expand exponentially in any walk (the JSON view, the emitter). The bounds are far
/// above any real configuration.
struct YamlBounds {
    std::size_t max_depth = 64;
    /// Nodes visited with every alias expanded where it is used.
    std::size_t max_nodes = 100'000;
    /// Bytes of scalar text with every alias expanded.
    std::size_t max_scalar_bytes = 16u << 20;
};

/// YAML::Load plus the bounds above: a document past them throws YAML::ParserException (at the
/// node where the bound was crossed), so every caller that already reports syntax errors reports
/// this the same way. The check recurses at most max_depth deep and stops at the first bound it
/// crosses, so it is cheap on hostile input.
YAML::Node load_yaml(const std::string& text, const YamlBounds& bounds = {});

/// The check alone, for a node built elsewhere; throws as load_yaml does.
void check_yaml_bounds(const YAML::Node& root, const YamlBounds& bounds = {});

}  // namespace scagent::config
