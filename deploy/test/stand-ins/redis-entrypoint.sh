#!/bin/sh
# As the official image's entrypoint: options alone run redis-server; and protected mode is off
# unless a configuration file (redis-server's first argument) or a later option turns it on.
case "$1" in -*) set -- redis-server "$@" ;; esac
if [ "$1" = redis-server ]; then
  shift
  case "$1" in
    '' | -*) set -- redis-server --protected-mode no "$@" ;;
    *) config=$1 && shift && set -- redis-server "$config" --protected-mode no "$@" ;;
  esac
fi
exec "$@"
