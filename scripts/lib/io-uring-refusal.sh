# shellcheck shell=bash
# io_uring_refusal BINARY: prints why an sc-agent built for io_uring (preset release-uring)
# cannot run on this machine (seccomp, kernel.io_uring_disabled, an old kernel) and succeeds;
# fails silently when it can run, or when BINARY is the epoll build.
# The binary checks the kernel before it reads its configuration, so a configuration that cannot
# load ends it either way: exit 71 with its message when io_uring is refused, 78 otherwise.
io_uring_refusal() {
    local status=0 output
    output="$("$1" run --config /nonexistent/sc-agent-io-uring-check.yaml 2>&1)" || status=$?
    [ "$status" = 71 ] || return 1
    printf '%s\n' "$output"
}
