#include "agent/app/cli.hpp"

int main(int argc, char** argv) {
    return scagent::app::run_cli(argc, argv);
}
