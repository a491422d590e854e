#!/bin/sh
# The postgres:15 stand-in's entrypoint (see Dockerfile). On the first start (an empty PGDATA)
# it creates the cluster with the superuser POSTGRES_USER [postgres] whose password is
# POSTGRES_PASSWORD (required), password (SCRAM) authentication for every TCP client, and the
# database POSTGRES_DB [POSTGRES_USER]; then it runs the server as the postgres user, as PID 1.
set -eu

if [ "${1:-}" != postgres ]; then
	exec "$@"
fi

if [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	chown postgres:postgres "$PGDATA" /var/run/postgresql
	chmod 700 "$PGDATA"
	exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	if [ -z "${POSTGRES_PASSWORD:-}" ]; then
		echo "docker-entrypoint: the database is not initialised and POSTGRES_PASSWORD is not set" >&2
		exit 1
	fi
	user=${POSTGRES_USER:-postgres}
	db=${POSTGRES_DB:-$user}
	pwfile=$(mktemp)
	printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
	initdb --username="$user" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
		--auth-local=trust --auth-host=scram-sha-256 >/dev/null
	rm -f "$pwfile"
	printf '\nhost all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
	printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
	if [ "$db" != postgres ]; then
		pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
		echo 'CREATE DATABASE :"db"' |
			psql -q -v ON_ERROR_STOP=1 -v db="$db" --username="$user" --dbname=postgres
		pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
	fi
	echo "docker-entrypoint: created the cluster, user '$user' and database '$db'" >&2
fi

exec "$@"
