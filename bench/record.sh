#!/bin/bash
# The figures of record of docs/benchmarks.md, one after another: run it on a quiet machine (nothing else busy),
# from the repository root after `make install`. Each benchmark writes its JSON under bench/results/; this script
# logs the start and end of each, with the load average, to var/bench/record.log.
set -u
cd "$(dirname "$0")/.."
mkdir -p var/bench
LOG=var/bench/record.log
log() { echo "$(date -u +%H:%M:%S) $* load=$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$LOG"; }
run() { local name=$1; shift; "$@" > /dev/null 2> "var/bench/$name.err"; log "$name exit=$?"; }
PY=.venv/bin/python
log start
run open311_sqlite $PY bench/open311_load.py --db sqlite --rate 500 --duration 60 --connections 32
run open311_postgresql $PY bench/open311_load.py --db postgresql --workers 1 --rate 500 --duration 60 --connections 32
run scan_speed $PY -m bench.scan_speed --repeat 5
run scan_speed_default $PY -m bench.scan_speed --repeat 5 --cells 8000 --cell-m 500 --days 84 --max-radius-m 750 \
    --centres half --out scan_speed_default
run scan_eval_default $PY -m bench.scan_eval --null-days 0 --trials 200 --seed 3 --cells 8000 --cell-m 500 \
    --max-radius-m 750 --window 84 --centres half --out scan_eval_default
run scan_eval_even_default $PY -m bench.scan_eval --null-days 0 --trials 200 --seed 3 --cells 8000 --cell-m 500 \
    --max-radius-m 750 --window 84 --centres half --even --out scan_eval_even_default
run scan_eval_calibration_default $PY -m bench.scan_eval --null-days 365 --trials 0 --cells 8000 --cell-m 500 \
    --max-radius-m 750 --window 84 --centres half --out scan_eval_calibration_default
run scan_demo_city $PY -m bench.scan_demo_city --cell-m 500 --window 84 --max-radius-m 750 --centres half
log done
