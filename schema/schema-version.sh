#!/bin/sh
# schema-version.sh SCHEMA: print the "version" of an OVSDB schema file.
# Used by configure and by the build, which refuse anything but 1.7.x.
exec sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$1" \
    | head -n 1
