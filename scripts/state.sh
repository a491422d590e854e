# The state directory (PANEL_STATE_DIR) and who may do what in it. Sourced by scripts/stack and
# scripts/pg-cluster; defines functions and variables only.
#
# Whoever runs the stack (root, or a developer) owns the directory; as root, the server
# processes run as the unprivileged service user and the embedded cluster as 'postgres'.
#
#   $state          the runner's; 0711 as root (the others pass through), 0700 otherwise
#   $state/app      what the server processes read (binaries, lighttpd's files, the OpenAPI
#                   documents), copied from the checkout at each start: the runner's, read-only
#   $state/run      pid files: the runner's, 0700
#   $state/log      logs: the runner's (0750, group of the service user, as root: lighttpd opens
#                   access.log, the only file there the service user owns)
#   $state/srv      the service user's, 0700, made anew at each start: FastCGI sockets, metrics,
#                   lighttpd's upload files
#   $state/pgdata   the embedded cluster (its owner's, 0700); pgsock its socket (0750, group of
#                   the service user, as root)
#
# A state directory that exists but belongs to someone else, is writable by anyone else, or
# sits below a directory someone else controls, is refused, and so is a link (or any other
# kind of file) where one of the entries above belongs: nothing is ever followed. Nobody else
# can write in a directory that passes, so what passed stays as it was.

say() { echo "${say_prefix:-stack}: $*" >&2; }
die() {
	say "$*"
	exit 1
}

me_uid=$(id -u)
# Whatever is made without an explicit mode is the maker's alone.
umask 077

# Root's default is under /var/lib (never world-writable /var/tmp or /tmp); anyone else's is
# their own XDG state directory.
default_state_dir() {
	if [ "$me_uid" -eq 0 ]; then
		echo /var/lib/panel
	else
		echo "${XDG_STATE_HOME:-${HOME:-/nonexistent}/.local/state}/panel"
	fi
}

# Absolute from here on (relative to where scripts/stack runs: the checkout); links in it are
# resolved by state_open, all but the last component's.
state=$(realpath -m -s -- "${PANEL_STATE_DIR:-$(default_state_dir)}")

# The user the server processes run as: as root, PANEL_USER (made by scripts/install-deps);
# otherwise whoever runs the stack.
service_user() {
	local user=${PANEL_USER:-panel-app} uid
	if [ "$me_uid" -ne 0 ]; then
		id -un
		return
	fi
	uid=$(id -u -- "$user" 2>/dev/null) ||
		die "the service user '$user' does not exist; run 'scripts/install-deps' as root once" \
			"(or set PANEL_USER to an unprivileged user)"
	[ "$uid" -ne 0 ] || die "PANEL_USER=$user is root; the server processes never run as root"
	echo "$user"
}

# uid and octal mode of a path (not followed).
owner_of() { stat -c %u -- "$1"; }
mode_of() { stat -c %a -- "$1"; }
writable_by_others() { (((8#$(mode_of "$1")) & 8#022)); }

# Refuses anything but a directory owned by uid that nobody else can write to.
check_dir() {
	local path=$1 uid=$2
	[ ! -L "$path" ] || die "$path is a symbolic link (to $(readlink -- "$path")); refusing" \
		"to follow it: remove it"
	[ -d "$path" ] || die "$path is not a directory; refusing to use it: remove it"
	[ "$(owner_of "$path")" = "$uid" ] ||
		die "$path belongs to $(id -un -- "$(owner_of "$path")" 2>/dev/null ||
			owner_of "$path"), not to $(id -un -- "$uid"); refusing to use it: remove it or" \
			"set PANEL_STATE_DIR elsewhere"
	! writable_by_others "$path" ||
		die "$path can be written by others (mode $(mode_of "$path")); refusing to use it:" \
			"remove it or set PANEL_STATE_DIR elsewhere"
}

# Refuses anything but a regular file owned by uid (or nothing at all) where a file belongs.
check_file() {
	local path=$1 uid=$2
	[ ! -L "$path" ] || die "$path is a symbolic link (to $(readlink -- "$path")); refusing" \
		"to write through it: remove it (and find out who made it)"
	[ -e "$path" ] || return 0
	[ -f "$path" ] || die "$path is not a regular file; refusing to use it: remove it"
	[ "$(owner_of "$path")" = "$uid" ] ||
		die "$path belongs to uid $(owner_of "$path"), not to uid $uid; refusing to use it"
}

# Every directory above the state directory must be root's or ours, and writable by others
# only when sticky (/tmp): otherwise someone else could swap the state directory for theirs.
check_ancestors() {
	local dir
	dir=$(dirname -- "$state")
	while :; do
		local owner
		owner=$(owner_of "$dir")
		[ "$owner" = 0 ] || [ "$owner" = "$me_uid" ] ||
			die "$dir belongs to uid $owner, who could replace $state; set PANEL_STATE_DIR" \
				"elsewhere"
		if writable_by_others "$dir" && (((8#$(mode_of "$dir") & 8#1000) == 0)); then
			die "$dir can be written by others and is not sticky, so $state could be" \
				"replaced; set PANEL_STATE_DIR elsewhere"
		fi
		[ "$dir" != / ] || break
		dir=$(dirname -- "$dir")
	done
}

# Makes the state directory (when missing) and checks it and what lies above it; leaves
# $state canonical (its parent resolved) for everything that follows.
state_open() {
	local parent
	parent=$(dirname -- "$state")
	mkdir -p -- "$parent" 2>/dev/null ||
		die "cannot create $parent; set PANEL_STATE_DIR to a directory you can create"
	parent=$(realpath -e -- "$parent")
	state=$parent/$(basename -- "$state")
	export PANEL_STATE_DIR=$state
	check_ancestors
	# mkdir without -p fails on anything already there, so a new directory is ours alone.
	[ -e "$state" ] || [ -L "$state" ] || mkdir -m 700 -- "$state" ||
		die "cannot create $state"
	check_dir "$state" "$me_uid"
	# As root, the service user and the cluster's owner pass through to their directories.
	if [ "$me_uid" -eq 0 ]; then chmod 711 -- "$state"; else chmod 700 -- "$state"; fi
}

# As root, each user that runs a part of the stack must reach the state directory: one below a
# directory it cannot enter (a checkout under /root) is refused here, with the reason.
check_reachable() {
	local user=$1
	[ "$me_uid" -eq 0 ] || return 0
	setpriv --reuid="$user" --regid="$(id -g -- "$user")" --init-groups test -x "$state" ||
		die "$user cannot reach $state (a directory above it is closed to it, like /root);" \
			"set PANEL_STATE_DIR elsewhere (the default as root is /var/lib/panel)"
}

# Makes (or checks) one directory of the state directory: name, owner, group, mode.
state_dir() {
	local path=$state/$1 owner=$2 group=$3 mode=$4
	if [ ! -e "$path" ] && [ ! -L "$path" ]; then
		mkdir -m 700 -- "$path"
		chown -h -- "$owner:$group" "$path"
	fi
	check_dir "$path" "$(id -u -- "$owner")"
	chown -h -- "$owner:$group" "$path"
	chmod "$mode" -- "$path"
}

# Whether process $1 is one of this stack's: started with this state directory in its
# environment (every process the stack starts is; a reused pid or someone else's is not).
ours() {
	grep -qsxzF -- "PANEL_STATE_DIR=$state" "/proc/$1/environ"
}

# Sets stack_pid to the process id a pid file names when that process is one of this stack's,
# and returns 1 when it names none (a stale file); refuses (exits) when the file is not a plain
# file of ours holding a process id. stack_pid_number is the number the file holds, whatever
# it names (the process group the stack started, after its leader is gone). Nothing is ever
# signalled on a pid file's word alone.
stack_pid() {
	local file=$1 pid
	stack_pid=
	stack_pid_number=
	check_file "$file" "$me_uid"
	[ -e "$file" ] || return 1
	pid=$(head -c 24 -- "$file" | tr -d '\n')
	[[ $pid =~ ^[1-9][0-9]{0,9}$ ]] ||
		die "$file holds '$(printf '%q' "$pid")', not a process id; nothing was signalled." \
			"Remove it once you are sure the stack is stopped"
	stack_pid_number=$pid
	ours "$pid" || return 1
	stack_pid=$pid
}
