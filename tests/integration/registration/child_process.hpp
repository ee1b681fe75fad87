#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace scagent::test {

/// A child process started with fork/exec, its stdout and stderr in `log_file`; signals and a
/// bounded wait for its exit. Killed (SIGKILL) if still running when destroyed.
class ChildProcess {
  public:
    ChildProcess(const std::vector<std::string>& argv, const std::string& log_file,
                 const std::vector<std::string>& extra_env = {})
        : log_file_(log_file) {
        pid_ = fork();
        if (pid_ < 0) {
            throw std::runtime_error("fork failed");
        }
        if (pid_ == 0) {
            const int fd = open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            for (const auto& entry : extra_env) {
                putenv(const_cast<char*>(entry.c_str()));
            }
            std::vector<char*> args;
            for (const auto& arg : argv) {
                args.push_back(const_cast<char*>(arg.c_str()));
            }
            args.push_back(nullptr);
            execv(args[0], args.data());
            _exit(127);
        }
    }
    ~ChildProcess() {
        if (!exit_code_) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    void signal(int number) const { kill(pid_, number); }

    /// The exit code (128 + signal when killed), or nothing if it is still running at `timeout`.
    /// Waits on a pidfd, which becomes readable when the child exits: no polling.
    std::optional<int> wait(std::chrono::milliseconds timeout) {
        if (exit_code_) {
            return exit_code_;
        }
        const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
        if (pidfd >= 0) {
            pollfd ready{pidfd, POLLIN, 0};
            ::poll(&ready, 1, static_cast<int>(timeout.count()));
            ::close(pidfd);
        }
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        return exit_code_;
    }

    std::string log() const {
        std::ifstream in(log_file_);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

  private:
    std::string log_file_;
    pid_t pid_ = -1;
    std::optional<int> exit_code_;
};

}  // namespace scagent::test
