/*
 * Must not compile: stands for a pure file that pulled in postgres.h (which
 * defines POSTGRES_H) before core/pure.hpp. CMakeLists.txt expects failure.
 */
#define POSTGRES_H
#include "core/pure.hpp"
