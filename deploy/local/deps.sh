#!/usr/bin/env bash
# deps.sh makes sure PostgreSQL and Redis answer for local runs and tests.
#
#   reachable already      -> says so, changes nothing
#   installed but stopped  -> starts them (Debian: pg_ctlcluster, redis-server --daemonize)
#   not installed          -> apt-get installs them (root or sudo), then starts them
#
# Targets come from SLOTMESH_TEST_PG / PG_URL and REDIS_URL. The defaults are
# 127.0.0.1:5432 and 127.0.0.1:6379; a target anywhere else is only checked, never
# installed or started. Idempotent: run it as often as you like.
# DEPS_TIMEOUT (seconds, default 30) bounds the wait for the servers to answer.
set -euo pipefail

log() { printf 'deps: %s\n' "$*"; }
warn() { printf 'deps: %s\n' "$*" >&2; }

timeout_s=${DEPS_TIMEOUT:-30}
pg_cluster=main # the Debian cluster this script manages
pg_default=127.0.0.1:5432
redis_default=127.0.0.1:6379

# hostport URL DEFAULT_PORT prints host:port of a URL (postgres://u:p@h:p/db?x,
# redis://h:p/0, h:p) or of a libpq "host=h port=p" string. Empty host means local.
hostport() {
	local s=$1 port=$2 host=
	if [[ $s != *://* && $s == *host=* ]]; then
		host=$(sed -n 's/.*host=\([^ ]*\).*/\1/p' <<<"$s")
		[[ $s == *port=* ]] && port=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' <<<"$s")
	else
		s=${s#*://}   # scheme
		s=${s%%/*}    # path
		s=${s%%\?*}   # query
		s=${s##*@}    # user:password@
		s=${s%%,*}    # first of several hosts
		if [[ $s == \[* ]]; then # [ipv6]:port
			host=${s%%]*}
			host=${host#[}
			[[ $s == *]:* ]] && port=${s##*]:}
		elif [[ $s == *:* ]]; then
			host=${s%%:*}
			port=${s##*:}
		else
			host=$s
		fi
	fi
	case $host in "" | localhost | ::1 | /*) host=127.0.0.1 ;; esac
	printf '%s:%s\n' "$host" "$port"
}

# tcp_open HOST PORT: can we open a TCP connection within 2 s?
tcp_open() {
	local host=$1 port=$2
	if command -v timeout >/dev/null 2>&1; then
		timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null
	else
		bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null
	fi
}

pg_up() {
	local host=${1%:*} port=${1##*:}
	if command -v pg_isready >/dev/null 2>&1; then
		pg_isready -q -h "$host" -p "$port" -t 2
	else
		tcp_open "$host" "$port"
	fi
}

redis_up() {
	local host=${1%:*} port=${1##*:} out
	if command -v redis-cli >/dev/null 2>&1; then
		# A server that wants a password still answers (NOAUTH): it is up.
		out=$(redis-cli -h "$host" -p "$port" ping 2>&1 </dev/null || true)
		[[ $out == *PONG* || $out == *NOAUTH* || $out == *"Authentication required"* ]]
	else
		tcp_open "$host" "$port"
	fi
}

# wait_up WHAT CHECK TARGET: poll CHECK until it passes or the deadline passes.
wait_up() {
	local what=$1 check=$2 target=$3 deadline=$((SECONDS + timeout_s))
	until "$check" "$target"; do
		if ((SECONDS >= deadline)); then
			return 1
		fi
		sleep 0.5
	done
	log "$what is up at $target"
}

# The functions below run inside `if`, where bash ignores set -e: each step
# that matters says `|| return 1` itself.

# --- privileges and apt -----------------------------------------------------------

SUDO=
can_admin() {
	if ((EUID == 0)); then
		SUDO=
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		SUDO=sudo
	else
		return 1
	fi
}

apt_updated=
apt_install() {
	command -v apt-get >/dev/null 2>&1 || { warn "no apt-get here: install $* yourself"; return 1; }
	can_admin || { warn "need root or password-less sudo to install $*"; return 1; }
	if [[ -z $apt_updated ]]; then
		log "apt-get update"
		$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null || return 1
		apt_updated=1
	fi
	log "apt-get install $*"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" </dev/null
}

# --- PostgreSQL ---------------------------------------------------------------------

pg_installed() {
	command -v pg_ctlcluster >/dev/null 2>&1 && compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null
}

# pg_version prints the newest installed server version (15, 16, ...).
pg_version() {
	local v
	v=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1 || true)
	[[ -n $v ]] || v=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1 || true)
	printf '%s\n' "$v"
}

pg_fresh=
pg_start() {
	if ! pg_installed; then
		log "PostgreSQL is not installed; installing it"
		apt_install postgresql || return 1
		pg_fresh=1
	fi
	can_admin || { warn "need root or sudo to start PostgreSQL"; return 1; }
	local v
	v=$(pg_version)
	[[ -n $v ]] || { warn "no PostgreSQL server version found under /usr/lib/postgresql"; return 1; }
	if [[ ! -d /etc/postgresql/$v/$pg_cluster ]]; then
		log "creating cluster $v/$pg_cluster"
		$SUDO pg_createcluster "$v" "$pg_cluster" </dev/null || return 1
	fi
	if [[ -n $pg_fresh ]]; then
		pg_trust_local "$v" || return 1
	fi
	log "starting PostgreSQL $v/$pg_cluster"
	# "already running" (e.g. still starting up) is fine: the wait below decides.
	$SUDO pg_ctlcluster --skip-systemctl-redirect "$v" "$pg_cluster" start </dev/null || true
}

# pg_trust_local lets user postgres connect over TCP from this host without a
# password, as the default URL postgres://postgres@127.0.0.1:5432/... does. Only
# ever called right after this script installed PostgreSQL itself.
pg_trust_local() {
	local hba=/etc/postgresql/$1/$pg_cluster/pg_hba.conf tmp
	[[ -f $hba ]] || { warn "no $hba; leaving authentication as it is"; return 0; }
	grep -q '^# slotmesh deps.sh' "$hba" && return 0
	log "fresh install: trusting local TCP connections in $hba"
	tmp=$(mktemp)
	{
		echo '# slotmesh deps.sh: local TCP connections for development and tests'
		echo 'host    all    all    127.0.0.1/32    trust'
		echo 'host    all    all    ::1/128         trust'
		cat "$hba"
	} >"$tmp"
	$SUDO cp "$tmp" "$hba" || { rm -f "$tmp"; return 1; }
	rm -f "$tmp"
	# pg_hba.conf is read at start; reload too in case the package already started it.
	$SUDO pg_ctlcluster --skip-systemctl-redirect "$1" "$pg_cluster" reload </dev/null 2>/dev/null || true
}

pg_set_password() {
	log "fresh install: setting the password of user postgres"
	(cd / && $SUDO su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"") </dev/null
}

# --- Redis -------------------------------------------------------------------------

redis_start() {
	local port=${1##*:}
	if ! command -v redis-server >/dev/null 2>&1; then
		log "Redis is not installed; installing it"
		apt_install redis-server || return 1
		# The package may have started its own server already.
		redis_up "$1" && return 0
	fi
	local dir=/var/lib/redis logdir=/var/log/redis
	if ! { mkdir -p "$dir" "$logdir" 2>/dev/null && [[ -w $dir && -w $logdir ]]; }; then
		dir=${TMPDIR:-/tmp}/slotmesh-redis
		logdir=$dir
		mkdir -p "$dir" || return 1
	fi
	log "starting Redis (dir $dir, log $logdir/ci.log)"
	redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$port" --save "" --appendonly no \
		--dir "$dir" --logfile "$logdir/ci.log" </dev/null
}

# --- main -------------------------------------------------------------------------

main() {
	# Unique targets; with no variable set, the local defaults.
	pg_targets=()
	for v in SLOTMESH_TEST_PG PG_URL; do
		[[ -n ${!v:-} ]] && pg_targets+=("$(hostport "${!v}" 5432)")
	done
	((${#pg_targets[@]})) || pg_targets=("$pg_default")
	if [[ -n ${REDIS_URL:-} ]]; then
		redis_target=$(hostport "$REDIS_URL" 6379)
	else
		redis_target=$redis_default
	fi

	failed=()
	hint_pg="start it by hand: sudo pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start (Debian), brew services start postgresql (macOS), or point SLOTMESH_TEST_PG / PG_URL at a reachable server"
	hint_redis="start it by hand: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no, brew services start redis (macOS), or point REDIS_URL at a reachable server"

	seen=" "
	for t in "${pg_targets[@]}"; do
		[[ $seen == *" $t "* ]] && continue
		seen+="$t "
		if pg_up "$t"; then
			log "PostgreSQL is up at $t"
			continue
		fi
		if [[ $t != "$pg_default" ]]; then
			wait_up PostgreSQL pg_up "$t" || failed+=("PostgreSQL at $t does not answer (not the local default: only checked, never started); check SLOTMESH_TEST_PG / PG_URL")
			continue
		fi
		if ! pg_start; then
			failed+=("PostgreSQL at $t is down and could not be installed or started; $hint_pg")
			continue
		fi
		if ! wait_up PostgreSQL pg_up "$t"; then
			failed+=("PostgreSQL at $t did not answer within ${timeout_s}s; $hint_pg")
			continue
		fi
		if [[ -n $pg_fresh ]]; then
			pg_set_password || failed+=("could not set the password of user postgres after the install")
		fi
	done

	if redis_up "$redis_target"; then
		log "Redis is up at $redis_target"
	elif [[ $redis_target != "$redis_default" ]]; then
		wait_up Redis redis_up "$redis_target" || failed+=("Redis at $redis_target does not answer (not the local default: only checked, never started); check REDIS_URL")
	elif ! redis_start "$redis_target"; then
		failed+=("Redis at $redis_target is down and could not be installed or started; $hint_redis")
	elif ! wait_up Redis redis_up "$redis_target"; then
		failed+=("Redis at $redis_target did not answer within ${timeout_s}s; $hint_redis")
	fi

	if ((${#failed[@]})); then
		for f in "${failed[@]}"; do warn "ERROR: $f"; done
		exit 1
	fi
}

# Sourced (by a test), it only defines the functions.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	main "$@"
fi
