#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
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
    std::optional<int> wait(std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!exit_code_) {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            } else if (std::chrono::steady_clock::now() >= deadline) {
                break;
            } else {
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
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
