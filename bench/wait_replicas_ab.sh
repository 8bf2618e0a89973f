#!/usr/bin/env bash
# CreateExpert/GetExpert with and without --redis_wait_replicas=1, a primary and a replica on loopback.
set -u
B=${BUILD_DIR:-build}
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PP=$(free_port); RP=$(free_port); GP=$(free_port)
redis-server --port $PP --bind 127.0.0.1 --dir $work --save '' --appendonly yes --appendfsync everysec --logfile $work/p.log --daemonize no >/dev/null 2>&1 &
P=$!
mkdir -p $work/r
redis-server --port $RP --bind 127.0.0.1 --dir $work/r --save '' --appendonly yes --appendfsync everysec --logfile $work/r.log --replicaof 127.0.0.1 $PP --daemonize no >/dev/null 2>&1 &
R=$!
sleep 1
for round in 1 2 3; do
  for w in 0 1; do
    redis-cli -p $PP flushall >/dev/null
    $B/registry-service/samenspel-registry --insecure --listen=127.0.0.1:$GP --redis=127.0.0.1:$PP --redis_wait_replicas=$w 2>$work/reg.log &
    G=$!
    sleep 1
    echo "== round $round wait_replicas=$w"
    $B/bench/registry_bench --registry=127.0.0.1:$GP --phases=create,get --seconds=4 --cpu_pids=$G,$P,$R 2>&1 | grep -E "CreateExpert|GetExpert|calls/s|create|get" | head -6
    kill $G; wait $G 2>/dev/null
  done
done
kill $P $R; wait; rm -rf $work
