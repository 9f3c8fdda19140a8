# Shared parts of the benchmarks (sourced, not run): the rig stack, the Orthanc-like database of
# about 1 GB of dump text, and peak-RSS polling of the ovena process.
# The sourcing script sets HERE, ROOT, NAME, PORT and INSTANCES, and `set -euo pipefail`.

RIG="$ROOT/docker/test/rig"

log() { printf 'bench: %s\n' "$*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
loadavg() { cut -d' ' -f1 /proc/loadavg; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# Brings up the stack NAME on PORT (removed on exit unless KEEP=1); sets DB to the db container.
bench_stack_up() {
	[ -f "$ROOT/dist/cli/main.js" ] || { log "build first: npm run build"; exit 1; }
	log "bringing up stack $NAME (port base $PORT) ..."
	eval "$("$RIG" up --name "$NAME" --port-base "$PORT")"
	trap bench_cleanup EXIT
	DB="$(compose ps -q db)"
}
bench_cleanup() { if [ "${KEEP:-0}" != 1 ]; then log "removing stack $NAME"; "$RIG" down --name "$NAME" >/dev/null 2>&1 || true; fi; }

# The compose that created the stack (rig up exports OVENA_COMPOSE_FLAVOR).
compose() {
	local files=(-f "${OVENA_COMPOSE_FILE%%:*}" -f "${OVENA_COMPOSE_FILE##*:}")
	if [ "${OVENA_COMPOSE_FLAVOR:-v1}" = v2 ]; then docker compose "${files[@]}" "$@"; else docker-compose "${files[@]}" "$@"; fi
}
in_db() { docker exec "$DB" sh -c "$1"; }

# Fills the database with INSTANCES Orthanc-like instances; sets SQL_BYTES and DB_SIZE.
bench_generate() {
	log "generating $INSTANCES Orthanc-like instances (generate_series) ..."
	local t0
	t0=$(now)
	docker exec -i "$DB" psql -X -q -U orthanc -d orthanc -v instances="$INSTANCES" <"$HERE/orthanc-like.sql" 2>&1 | grep -v -e NOTICE -e DETAIL -e '^drop cascades' >&2 || true
	in_db 'psql -X -q -U orthanc -d orthanc -c "VACUUM (ANALYZE, PARALLEL 0)"' >/dev/null
	log "generated in $(elapsed "$t0" "$(now)") s"
	SQL_BYTES="$(in_db 'pg_dump -U orthanc orthanc | wc -c')"
	DB_SIZE="$(in_db "psql -X -At -U orthanc -d orthanc -c \"select pg_size_pretty(pg_database_size('orthanc'))\"")"
	log "dump text: $SQL_BYTES bytes; database: $DB_SIZE"
}

# Runs the real ovena binary off a terminal with the given arguments, output into LOGFILE, and
# polls its VmHWM from /proc; sets WALL (s) and HWM_KB. Returns ovena's exit status.
bench_ovena() {
	local logfile="$1"
	shift
	local t0 pid v status=0
	t0=$(now)
	# The program as installed (npm link, cron): bin/ovena with its own node flags.
	"$ROOT/bin/ovena" "$@" >"$logfile" 2>&1 &
	pid=$!
	HWM_KB=0
	# Read with builtins only: a process forked per poll would steal CPU from what is measured.
	while kill -0 "$pid" 2>/dev/null; do
		{ while read -r k v _; do
			[ "$k" = VmHWM: ] && [ "$v" -gt "$HWM_KB" ] && HWM_KB=$v
		done <"/proc/$pid/status"; } 2>/dev/null || true
		sleep 0.1
	done
	wait "$pid" || status=$?
	WALL=$(elapsed "$t0" "$(now)")
	return "$status"
}
