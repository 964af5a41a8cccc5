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
# The product's defaults on the issue's 2,000 km² city: 250 m cells, 84-day window, circles ≤ 750 m round cell
# centres and corners (docs/warnings.md). 100 outbreaks per background: each takes about half a minute of one core.
DEFAULTS="--cells 32000 --cell-m 250 --max-radius-m 750 --centres corners"
run scan_speed_default $PY -m bench.scan_speed --repeat 5 $DEFAULTS --days 84 --out scan_speed_default
run scan_eval_default $PY -m bench.scan_eval --null-days 0 --trials 100 --seed 3 $DEFAULTS --window 84 \
    --out scan_eval_default
run scan_eval_even_default $PY -m bench.scan_eval --null-days 0 --trials 100 --seed 3 $DEFAULTS --window 84 \
    --even --out scan_eval_even_default
run scan_eval_city1km_default $PY -m bench.scan_eval --null-days 0 --trials 100 --seed 3 $DEFAULTS --window 84 \
    --busyness-m 1000 --out scan_eval_city1km_default
run scan_eval_calibration_default $PY -m bench.scan_eval --null-days 365 --trials 0 $DEFAULTS --window 84 \
    --out scan_eval_calibration_default
run scan_demo_city $PY -m bench.scan_demo_city --cell-m 250 --window 84 --max-radius-m 750 --centres corners
run cli_startup $PY -m bench.cli_startup --runs 7
run aqi_daily $PY -m bench.aqi_daily
run blind_zones $PY -m bench.blind_zones
log done
