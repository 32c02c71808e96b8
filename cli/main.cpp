// Placeholder until the command table lands (cli/commands.cpp).
#include <cstdio>
int main() { std::puts("flinkha"); return 0; }
