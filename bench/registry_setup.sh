# Sourced by the registry bench scripts: a fresh redis-server with AOF
# everysec (as the registry runs in production) in a temporary folder, and
# free ports for it and the registry; removed again on exit.
# Sets: work, redis_port, registry_port, redis_pid; kills registry_pid too.
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis_port=$(free_port)
registry_port=$(free_port)
cleanup() { kill "${registry_pid:-}" "${redis_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work" --save '' \
  --appendonly yes --appendfsync everysec --logfile "$work/redis.log" &
redis_pid=$!
until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.05; done
