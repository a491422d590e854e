/*
 * What every unit test includes: cmocka (with the headers it needs first) and the modules'
 * own headers by name. Unit tests mirror the source: test_buf.c tests common/buf.c.
 */
#ifndef UNIT_H
#define UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#endif
