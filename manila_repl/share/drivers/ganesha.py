"""NFS exports through nfs-ganesha: the export blocks of one storage host.

Any driver whose shares are directories on a host running ganesha (FSAL
VFS) uses it: the driver says which exports must exist, with which clients
and levels; the helper owns the ganesha side on that host:

- one file per export, ``<export dir>/<export id>-<name>.conf``, holding
  one ``EXPORT`` block (the Export_Id in the file name, so one listing
  tells every id in use), and ``<export dir>/INDEX.conf`` with an
  ``%include`` line per export, which ganesha.conf must ``%include``;
- every change is one batch, written under ``flock`` on the host (several
  managers may change one host's exports), each file atomically (a
  temporary directory, then rename), unchanged files left alone;
- a changed batch is applied without restarting ganesha: SIGHUP makes it
  re-read its exports, and the helper waits for ganesha's "Reread exports
  complete" in its log, so when ``apply`` returns the exports are live;
  errors ganesha logged for the reload are returned per export;
- ganesha cannot change the Path of a live export, nor serve a new
  directory mounted under an exported path: an export whose ``path`` or
  ``source`` (what the driver has put behind the path) changed is removed
  in one reload and added back in the next;
- rules become ``CLIENT`` blocks, the most specific address first (ganesha
  uses the first block that matches a client): ``rw`` or ``ro``; an
  export with no client is removed (nobody may mount it).

The commands run through a transport (``run(argv, input=...)``, see
ssh.py): on this host or over ssh.
"""
import dataclasses
import io
import ipaddress
import re
import tarfile

from oslo_config import cfg
from oslo_log import log as logging

from manila_repl.conf import backend as backend_conf
from manila_repl import exception

LOG = logging.getLogger(__name__)

ganesha_opts = [
    cfg.StrOpt('ganesha_export_dir', default='/etc/ganesha/export.d',
               help='Directory ON the storage host holding one file per '
                    'export and INDEX.conf, which ganesha_config_file must '
                    '%include.'),
    cfg.StrOpt('ganesha_config_file', default='/etc/ganesha/ganesha.conf',
               help='ganesha\'s main configuration file ON the storage '
                    'host (checked at start for the %include of '
                    '<ganesha_export_dir>/INDEX.conf).'),
    cfg.StrOpt('ganesha_pid_file', default='/var/run/ganesha/ganesha.pid',
               help='pid file of ganesha.nfsd ON the storage host (-p); the '
                    'helper sends it SIGHUP to reload the exports.'),
    cfg.StrOpt('ganesha_log_file', default='/var/log/ganesha/ganesha.log',
               help='ganesha\'s log file ON the storage host (-L), read to '
                    'confirm a reload; its level must be EVENT or finer.'),
    cfg.IntOpt('ganesha_reload_timeout', default=10, min=1,
               help='Seconds to wait for ganesha to confirm a reload.'),
    cfg.StrOpt('ganesha_export_address',
               help='Address NFS clients mount this backend\'s exports from '
                    '(export locations read <address>:<pseudo path>). '
                    'Default: the storage host\'s ssh address, or '
                    '[DEFAULT]/host for a local backend.'),
]
backend_conf.add_driver_opts(ganesha_opts)

LEVELS = {'rw': 'RW', 'ro': 'RO'}
INDEX = 'INDEX.conf'
_NAME_RE = re.compile(r'[A-Za-z0-9][A-Za-z0-9._@-]{0,200}\Z')
_FILE_RE = re.compile(
    r'(?P<id>[0-9]{1,5})-(?P<name>[A-Za-z0-9][A-Za-z0-9._@-]*)\.conf\Z')
_SOURCE = '# source: '
_CLIENT_RE = re.compile(
    r'CLIENT \{ Clients = ([^;]+); Access_Type = (RW|RO); \}')
_LOG_ERROR_RE = re.compile(r':(?:CRIT|MAJ|FATAL) :(.*)$')
MAX_EXPORT_ID = 65535       # Export_Id is 16 bits; 0 is the pseudo root

# Exit statuses of the apply script.
_ID_TAKEN, _NO_RELOAD, _NOT_RUNNING, _FAILED = 5, 6, 10, 7

# Runs under flock on the host: stage the batch (a tar on stdin), check
# that new ids are still free, remove the removed files (with $5 = 1:
# rewrite INDEX.conf and reload first), move changed files in, rewrite
# INDEX.conf, SIGHUP ganesha and wait for its log to confirm. Prints
# "unchanged", or "reloaded" and the last reload's error lines.
_APPLY = r'''
set -u
dir=$1 pidf=$2 log=$3 wait=$4 first=$5
shift 5
stage=$(mktemp -d "$dir/.stage.XXXXXX") || exit 7
trap 'rm -rf "$stage"' EXIT
tar -x -f - -C "$stage" || exit 7
index() {
    ls -A "$dir" | grep -E '^[0-9]+-[^/]+\.conf$' | sort -n |
        awk -v d="$dir" '{ printf "%%include \"%s/%s\"\n", d, $0 }' \
        > "$dir/.INDEX.tmp" && mv -f "$dir/.INDEX.tmp" "$dir/INDEX.conf" ||
        exit 7
}
reload() {
    pid=$(cat "$pidf" 2>/dev/null)
    if [ -z "$pid" ] ||
            [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != ganesha.nfsd ]; then
        echo "ganesha is not running (no ganesha.nfsd process for $pidf)" >&2
        exit 10
    fi
    size=$(stat -c %s "$log" 2>/dev/null || echo 0)
    kill -HUP "$pid" || exit 10
    end=$(( $(date +%s) + wait ))
    while :; do
        now=$(stat -c %s "$log" 2>/dev/null || echo 0)
        [ "$now" -lt "$size" ] && size=0
        new=$(tail -c +$((size + 1)) "$log" 2>/dev/null)
        case $new in *'Reread exports complete'*) return ;; esac
        if [ "$(date +%s)" -ge "$end" ]; then
            echo "no 'Reread exports complete' in $log after ${wait}s" >&2
            exit 6
        fi
        sleep 0.01
    done
}
for f in $(ls -A "$stage"); do
    id=${f%%-*}
    for g in "$dir/$id"-*.conf; do
        [ -e "$g" ] || continue
        if [ "${g##*/}" != "$f" ]; then
            echo "export id $id is taken by ${g##*/}" >&2
            exit 5
        fi
    done
done
changed=0
for f in "$@"; do
    if [ -e "$dir/$f" ]; then
        rm -f "$dir/$f" || exit 7
        changed=1
    fi
done
if [ "$first" = 1 ] && [ "$changed" = 1 ]; then
    # Gone from ganesha before they come back (with another path, or
    # another directory behind it).
    index
    reload
    changed=0
fi
for f in $(ls -A "$stage"); do
    if [ -e "$dir/$f" ] && cmp -s "$stage/$f" "$dir/$f"; then
        continue
    fi
    mv -f "$stage/$f" "$dir/$f" || exit 7
    changed=1
done
if [ "$changed" = 0 ] && [ -e "$dir/INDEX.conf" ]; then
    echo unchanged
    exit 0
fi
index
reload
echo reloaded
printf '%s\n' "$new" | grep -F '[sigmgr]' | grep -E ':(CRIT|MAJ|FATAL) :'
exit 0
'''


class GaneshaError(exception.ShareDriverError):
    pass


@dataclasses.dataclass(frozen=True)
class Client:
    """One access rule: an address or network, and ``rw`` or ``ro``."""
    address: str
    level: str

    def network(self):
        return ipaddress.ip_network(self.address, strict=False)


@dataclasses.dataclass(frozen=True)
class Export:
    """What one export must be.

    :param name: the export's key on the host (e.g. an instance id).
    :param path: the directory exported (on the host).
    :param pseudo: the NFSv4 pseudo path clients mount.
    :param clients: Client tuples; empty: the export is removed.
    :param source: what the driver put behind ``path`` (e.g. the mounted
        snapshot); a change re-creates the export.
    """
    name: str
    path: str
    pseudo: str
    clients: tuple = ()
    source: str = ''


def check_name(name):
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise GaneshaError(reason='refusing export name %r' % (name,))
    return name


def _quoted(value):
    if '"' in value or '\n' in value or '\\' in value:
        raise GaneshaError(reason='refusing %r in a ganesha config' % value)
    return '"%s"' % value


def ordered_clients(clients):
    """Most specific network first (ganesha takes the first match); the
    same address twice keeps the first level given."""
    seen = {}
    for client in clients:
        if client.level not in LEVELS:
            raise GaneshaError(reason='access level must be rw or ro, not '
                                      '%r' % (client.level,))
        network = client.network()
        seen.setdefault(network, client.level)
    return sorted(seen.items(), key=lambda item: (
        item[0].version, -item[0].prefixlen, int(item[0].network_address)))


def render(export, export_id):
    """The EXPORT block of ``export`` (a file of its own)."""
    lines = ['# manila-repl export %s (generated: changes are overwritten)'
             % check_name(export.name)]
    if export.source:
        lines.append(_SOURCE + export.source.replace('\n', ' '))
    lines += ['EXPORT {',
              '    Export_Id = %d;' % export_id,
              '    Path = %s;' % _quoted(export.path),
              '    Pseudo = %s;' % _quoted(export.pseudo),
              '    Access_Type = None;',
              '    Squash = No_Root_Squash;',
              '    SecType = sys;',
              '    Protocols = 4;',
              '    Transports = TCP;',
              '    FSAL { Name = VFS; }']
    for network, level in ordered_clients(export.clients):
        lines.append('    CLIENT { Clients = %s; Access_Type = %s; }' %
                     (network.with_prefixlen if network.prefixlen !=
                      network.max_prefixlen else network.network_address,
                      LEVELS[level]))
    lines.append('}')
    return '\n'.join(lines) + '\n'


def parse_current(text):
    """{name: Current} from what ``GaneshaHost.list_script`` printed."""
    found = {}
    entry = None
    for line in text.splitlines():
        if line.startswith('= '):
            match = _FILE_RE.match(line[2:])
            entry = None
            if match:
                entry = Current(int(match.group('id')), line[2:])
                found[match.group('name')] = entry
        elif entry is not None and line.startswith(_SOURCE):
            entry.source = line[len(_SOURCE):]
        elif entry is not None and line.strip().startswith('Path = '):
            entry.path = line.split('=', 1)[1].strip().rstrip(';') \
                .strip().strip('"')
        elif entry is not None and _CLIENT_RE.search(line):
            address, level = _CLIENT_RE.search(line).groups()
            entry.clients += (Client(address.strip(), level.lower()),)
    return found


def _tar(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w') as tar:
        for name, text in sorted(files.items()):
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@dataclasses.dataclass
class Current:
    """An export as found on the host."""
    export_id: int
    filename: str
    path: str = ''
    source: str = ''
    clients: tuple = ()


class GaneshaHost:
    """The exports of ganesha on one host.

    :param transport: runs commands there (``run(argv, input=None,
        timeout=None)`` returning ``.returncode/.stdout/.stderr``, raising
        ShareBackendUnreachable).
    :param host: the host's name, for messages.
    """

    def __init__(self, transport, host, export_dir='/etc/ganesha/export.d',
                 config_file='/etc/ganesha/ganesha.conf',
                 pid_file='/var/run/ganesha/ganesha.pid',
                 log_file='/var/log/ganesha/ganesha.log', reload_timeout=10):
        self.transport = transport
        self.host = host
        self.export_dir = export_dir.rstrip('/')
        self.config_file = config_file
        self.pid_file = pid_file
        self.log_file = log_file
        self.reload_timeout = reload_timeout

    @classmethod
    def for_backend(cls, section, transport, host):
        return cls(transport, host, export_dir=section.ganesha_export_dir,
                   config_file=section.ganesha_config_file,
                   pid_file=section.ganesha_pid_file,
                   log_file=section.ganesha_log_file,
                   reload_timeout=section.ganesha_reload_timeout)

    @property
    def index(self):
        return '%s/%s' % (self.export_dir, INDEX)

    def _run(self, argv, input=None, timeout=None):
        return self.transport.run(argv, input=input, timeout=timeout)

    def setup(self):
        """Make the export directory and an INDEX.conf; check that
        ganesha.conf includes it.

        :raises: GaneshaError saying what the operator must fix.
        """
        result = self._run(['sh', '-c', 'mkdir -p "$1" && { [ -e "$2" ] || '
                            ': > "$2"; } && grep -qF "$2" "$3"', 'sh',
                            self.export_dir, self.index, self.config_file])
        if result.returncode != 0:
            raise GaneshaError(reason=(
                '%s on %s must %%include "%s" (and the export directory '
                'must be writable): %s' % (
                    self.config_file, self.host, self.index,
                    result.stderr.strip() or 'the include is missing')))

    def list_script(self, names=None):
        """(shell text, its positional arguments) that print the exports
        (only ``names``, when given) for ``parse_current``: for other
        helpers to run it in the same command as their own work."""
        pattern = '[0-9]*-*.conf'
        if names is not None:
            pattern = ' '.join('[0-9]*-%s.conf' % check_name(n)
                               for n in names) or 'none-given'
        return ('( cd "$1" 2>/dev/null || exit 0; for f in %s; do '
                '[ -e "$f" ] && echo "= $f" && grep -E "^(# source: |    '
                '(Path = |CLIENT ))" "$f"; done; exit 0 )' % pattern,
                [self.export_dir])

    def current(self, names=None):
        """{name: Current} of the exports on the host (only ``names``, when
        given: one file each instead of the whole directory)."""
        if names is not None and not names:
            return {}
        script, args = self.list_script(names)
        return parse_current(self._run(['sh', '-c', script, 'sh'] +
                                       args).stdout)

    def apply(self, exports=(), remove=(), recreate=(), current=None):
        """Make ``exports`` exist as given and ``remove`` (names) gone.

        An export without clients is removed; one whose path or source
        changed, or named in ``recreate`` (what is behind its path changed
        unseen), is removed in a first reload and added in a second.

        :param current: what ``current()`` just said of these names, if
            the caller read it (saves reading it again).
        :returns: {name: error message} for the exports ganesha refused.
        :raises: GaneshaError when nothing could be applied (ganesha not
            running, no reload confirmed, files not written);
            ShareBackendUnreachable.
        """
        exports = [e for e in exports if check_name(e.name)]
        remove = {check_name(n) for n in remove}
        remove |= {e.name for e in exports if not e.clients}
        exports = [e for e in exports if e.clients]
        if current is None:
            current = self.current()
        remove = {n for n in remove if n in current}
        moved = {e.name for e in exports if e.name in current and (
            current[e.name].path != e.path or e.name in recreate or
            current[e.name].source != e.source)}
        return self._apply_batch(current, exports, remove, moved)

    def _apply_batch(self, current, exports, remove, moved):
        """One command: ``remove`` and ``moved`` (names) removed first
        (and reloaded, when any moved), then ``exports`` written; moved
        exports keep their ids."""
        for attempt in range(5):
            files, ids = self._files(current, exports, remove)
            removed = [current[n].filename for n in sorted(remove | moved)
                       if n in current]
            result = self._run(
                ['flock', '-w', str(60), '%s/.lock' % self.export_dir,
                 'sh', '-c', _APPLY, 'sh', self.export_dir, self.pid_file,
                 self.log_file, str(self.reload_timeout),
                 '1' if moved else '0'] + removed,
                input=_tar(files),
                timeout=2 * self.reload_timeout + 90)
            if result.returncode == _ID_TAKEN:
                # Another manager added an export meanwhile: ids again.
                current = self.current()
                continue
            break
        if result.returncode == _NOT_RUNNING:
            raise GaneshaError(reason='ganesha on %s: %s' % (
                self.host, result.stderr.strip()))
        if result.returncode == _NO_RELOAD:
            raise GaneshaError(reason='ganesha on %s: %s (is ganesha_log_'
                               'file right, its log level EVENT or finer?)'
                               % (self.host, result.stderr.strip()))
        if result.returncode != 0:
            raise GaneshaError(reason='writing the exports on %s failed '
                               '(exit %s): %s' % (
                                   self.host, result.returncode,
                                   result.stderr.strip() or result.stdout))
        lines = result.stdout.splitlines()
        if lines[:1] != ['reloaded']:
            return {}
        return self._errors(lines[1:], exports, ids)

    def _files(self, current, exports, remove):
        used = {c.export_id for c in current.values()}
        files, ids = {}, {}
        next_id = 1
        for export in exports:
            known = current.get(export.name)
            if known is not None and export.name not in remove:
                export_id = known.export_id
            else:
                while next_id in used:
                    next_id += 1
                if next_id > MAX_EXPORT_ID:
                    raise GaneshaError(reason='no free export id on %s' %
                                       self.host)
                export_id = next_id
                used.add(export_id)
            ids[export.name] = export_id
            files['%d-%s.conf' % (export_id, export.name)] = render(
                export, export_id)
        return files, ids

    @staticmethod
    def _errors(lines, exports, ids):
        """Reload errors by export: the lines naming its pseudo path, its
        path or its id. When no line names one, every export of the batch
        gets them all."""
        errors = {}
        messages = []
        for line in lines:
            match = _LOG_ERROR_RE.search(line)
            message = match.group(1).strip() if match else line.strip()
            messages.append(message)
            for export in exports:
                if '(%s)' % export.pseudo in line or export.path in line or \
                        re.search(r'\b(export|id)\D{0,12}\b%d\b' %
                                  ids[export.name], line):
                    errors.setdefault(export.name, message)
        if messages and not errors:
            errors = {e.name: '; '.join(messages) for e in exports}
        return errors
