cmake_minimum_required(VERSION 3.25)
# Fails when a source file includes a header of a layer it must not depend on
# (docs/architecture.md). Run as a build step: cmake -DROOT=<source dir> -P check_layers.cmake
#
# A layer is a top folder (config, metrics) or a second-level one (plugins/*, agent/*). Each may
# include itself and what its line below names, and transitively what those may include.
set(allowed_config "")
set(allowed_metrics "config")
set(allowed_plugins "config;metrics")
set(allowed_agent_runtime "metrics")
set(allowed_agent_net "agent_runtime;plugins")
set(allowed_agent_clients "agent_net")
set(allowed_agent_registration "agent_clients")
set(allowed_agent_discovery "agent_clients")
set(allowed_agent_governance "agent_clients")
set(allowed_agent_proxy "agent_registration;agent_discovery;agent_governance")
set(allowed_agent_api "agent_registration;agent_discovery;agent_governance")
set(allowed_agent_dev_registry "agent_net")
set(allowed_agent_app "agent_api;agent_proxy;agent_dev_registry")

# The layer a path inside the tree belongs to: config, metrics, plugins, agent_<folder>.
function(layer_of path out)
    if(path MATCHES "^(config|metrics|plugins)/")
        set(${out} "${CMAKE_MATCH_1}" PARENT_SCOPE)
    elseif(path MATCHES "^agent/([a-z_]+)/")
        set(${out} "agent_${CMAKE_MATCH_1}" PARENT_SCOPE)
    else()
        set(${out} "" PARENT_SCOPE)
    endif()
endfunction()

# Every layer `layer` may include, itself included.
function(reachable layer out)
    set(result "${layer}")
    set(queue "${layer}")
    while(queue)
        list(POP_FRONT queue current)
        foreach(next IN LISTS allowed_${current})
            if(NOT next IN_LIST result)
                list(APPEND result "${next}")
                list(APPEND queue "${next}")
            endif()
        endforeach()
    endwhile()
    set(${out} "${result}" PARENT_SCOPE)
endfunction()

file(GLOB_RECURSE sources RELATIVE "${ROOT}"
     "${ROOT}/config/*.[hc]pp" "${ROOT}/metrics/*.[hc]pp" "${ROOT}/plugins/*.[hc]pp"
     "${ROOT}/agent/*.[hc]pp")
set(problems "")
foreach(source IN LISTS sources)
    layer_of("${source}" layer)
    if(NOT layer)
        continue()  # agent/main.cpp and agent/pch.hpp sit above every layer
    endif()
    reachable("${layer}" may)
    file(STRINGS "${ROOT}/${source}" includes REGEX "^#include \"[a-z_]+/")
    foreach(line IN LISTS includes)
        string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" header "${line}")
        layer_of("${header}" target)
        if(target AND NOT target IN_LIST may)
            string(APPEND problems "  ${source}: ${header} (${layer} may not depend on ${target})\n")
        endif()
    endforeach()
endforeach()
if(problems)
    message(FATAL_ERROR "includes against the layers of docs/architecture.md:\n${problems}")
endif()
