#!/usr/bin/env bash
# Checks Switchyard's metrics, dashboard and alert rules with a real Prometheus
# (docs/metrics.md#dashboard-and-alerts):
#   1. promtool check rules + promtool test rules on docs/prometheus/alerts.yml;
#   2. a real server under real WebSocket traffic, a cluster member on a private redis-server (so the
#      broker series and the dashboard's Broker row have data; the driver drops its subscriber link
#      every 10 s): promtool check metrics on a live /metrics scrape;
#   3. a real Prometheus scraping that server beside an unrelated Node.js service (the same nodejs_*
#      and process_* names) and itself evaluates every query of docs/grafana/switchyard.json and
#      every alert rule: each returns data, only Switchyard series, and the values match what the
#      traffic driver did (scripts/prometheus-check/dashboard-queries.mjs);
#   4. the dashboard's main panels are drawn from the real query results to a PNG with headless
#      Chromium (PROMETHEUS_CHECK_IMAGE=path also writes it there, e.g. docs/grafana/switchyard-dashboard.png).
# Needs a built repo (npx turbo run build), Debian's prometheus package (prometheus, promtool),
# redis-server and chromium. PROMETHEUS_CHECK_REDIS_URL=redis://host:port uses that Redis instead of
# starting one: it must be private to the check, whose driver kills its pub/sub clients.
# Bounded in time (PROMETHEUS_CHECK_TIMEOUT_SEC, default 240); stops everything it started;
# exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"

limit="${PROMETHEUS_CHECK_TIMEOUT_SEC:-240}"
deadline=$((SECONDS + limit))

say() { printf 'prometheus-check: %s\n' "$*"; }
fail() { printf 'prometheus-check: FAILED: %s\n' "$*" >&2; exit 1; }
check_time() { ((SECONDS < deadline)) || fail "over the ${limit}s time limit"; }
need() { command -v "$1" >/dev/null 2>&1 || fail "$1 not found: apt-get install -y prometheus (Debian), then retry"; }

need promtool
need prometheus
need node
need timeout
need chromium
[[ -n "${PROMETHEUS_CHECK_REDIS_URL:-}" ]] || need redis-server
[[ -f packages/server/dist/index.js ]] || fail "packages/server/dist is missing: run npx turbo run build first"

work="$(mktemp -d "${TMPDIR:-/tmp}/switchyard-prometheus-check.XXXXXX")"
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if ((status != 0)); then
    for log in "$work"/*.log; do
      [[ -s "$log" ]] || continue
      printf -- '--- %s (last 30 lines)\n' "$(basename "$log")" >&2
      tail -n 30 "$log" >&2
    done
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "promtool check rules"
timeout 60 promtool check rules docs/prometheus/alerts.yml

say "promtool test rules (each alert fires on synthetic series)"
timeout 120 promtool test rules docs/prometheus/alerts.test.yml

free_port() {
  node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

redis_url="${PROMETHEUS_CHECK_REDIS_URL:-}"
if [[ -z "$redis_url" ]]; then
  redis_port="$(free_port)"
  mkdir -p "$work/redis"
  say "starting a private redis-server on 127.0.0.1:$redis_port"
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work/redis" >"$work/redis.log" 2>&1 &
  pids+=("$!")
  until grep -q 'Ready to accept connections' "$work/redis.log"; do
    kill -0 "${pids[-1]}" 2>/dev/null || fail "redis-server exited early"
    check_time
    sleep 0.1
  done
  redis_url="redis://127.0.0.1:$redis_port"
fi

say "starting a Switchyard cluster member on $redis_url with traffic"
node scripts/prometheus-check/serve-with-traffic.mjs --state "$work/server.env" --max-sec "$limit" --redis-url "$redis_url" >"$work/server.log" 2>&1 &
pids+=("$!")
server_pid="$!"
until [[ -s "$work/server.env" ]]; do
  kill -0 "$server_pid" 2>/dev/null || fail "the server exited early"
  check_time
  sleep 0.2
done
# shellcheck source=/dev/null
source "$work/server.env" # METRICS_TARGET=host:port, METRICS_PATH=/metrics, DRIVER_URL

say "starting an unrelated Node.js service with prom-client's process metrics"
node scripts/prometheus-check/other-service.mjs --state "$work/other.env" --max-sec "$limit" >"$work/other.log" 2>&1 &
pids+=("$!")
other_pid="$!"
until [[ -s "$work/other.env" ]]; do
  kill -0 "$other_pid" 2>/dev/null || fail "the unrelated service exited early"
  check_time
  sleep 0.2
done
# shellcheck source=/dev/null
source "$work/other.env" # OTHER_TARGET=host:port

# Let the traffic generator run through every scenario once before the first scrape is judged.
sleep 3
say "promtool check metrics on a live scrape of http://$METRICS_TARGET$METRICS_PATH"
node --input-type=module -e '
  const res = await fetch(process.argv[1], { signal: AbortSignal.timeout(10000) });
  if (!res.ok) { console.error(`HTTP ${res.status}`); process.exit(1); }
  process.stdout.write(await res.text());
' "http://$METRICS_TARGET$METRICS_PATH" >"$work/scrape.txt"
grep -q '^switchyard_connections_opened_total' "$work/scrape.txt" || fail "the scrape has no Switchyard metrics"
grep -q '^switchyard_broker_connected 1$' "$work/scrape.txt" || fail "the scrape shows no connected cluster broker"
timeout 60 promtool check metrics <"$work/scrape.txt"

prom_port="$(free_port)"
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $repo/docs/prometheus/alerts.yml
scrape_configs:
  - job_name: switchyard
    metrics_path: $METRICS_PATH
    static_configs:
      - targets: ['$METRICS_TARGET']
  # Not Switchyard: a dashboard panel or alert that shows or sums these is not scoped.
  - job_name: other-node-service
    static_configs:
      - targets: ['$OTHER_TARGET']
  - job_name: prometheus
    static_configs:
      - targets: ['127.0.0.1:$prom_port']
EOF
timeout 30 promtool check config "$work/prometheus.yml" >/dev/null

say "starting Prometheus on 127.0.0.1:$prom_port"
prom_started="$(date +%s)"
prometheus \
  --config.file="$work/prometheus.yml" \
  --storage.tsdb.path="$work/data" \
  --storage.tsdb.retention.time=1h \
  --web.listen-address="127.0.0.1:$prom_port" \
  --log.level=warn >"$work/prometheus.log" 2>&1 &
pids+=("$!")

say "evaluating every dashboard query and alert rule against the driver's record"
check_time
left=$((deadline - SECONDS))
timeout "$left" node scripts/prometheus-check/dashboard-queries.mjs \
  --prometheus "http://127.0.0.1:$prom_port" \
  --dashboard docs/grafana/switchyard.json \
  --driver "$DRIVER_URL" \
  --target "$METRICS_TARGET" \
  --job switchyard \
  --rate-interval 20s \
  --warmup-sec 25 \
  --timeout-sec "$((left > 10 ? left - 5 : 5))" ||
  fail "dashboard queries or alert rules failed (status $?; 124 means the ${limit}s time limit)"

say "drawing the dashboard's main panels from Prometheus"
check_time
left=$((deadline - SECONDS))
timeout "$left" node scripts/prometheus-check/render-dashboard.mjs \
  --prometheus "http://127.0.0.1:$prom_port" \
  --dashboard docs/grafana/switchyard.json \
  --since "$prom_started" \
  --out "$work/dashboard.png" ||
  fail "rendering the dashboard failed (status $?)"
if [[ -n "${PROMETHEUS_CHECK_IMAGE:-}" ]]; then
  cp "$work/dashboard.png" "$PROMETHEUS_CHECK_IMAGE"
  say "wrote $PROMETHEUS_CHECK_IMAGE"
fi

kill -0 "$server_pid" 2>/dev/null || fail "the server died during the check"
say "OK"
