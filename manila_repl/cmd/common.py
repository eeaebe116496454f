"""Start-up shared by the daemons: config, logging, signals."""
import signal
import sys

from oslo_log import log as logging

from manila_repl.conf import CONF
from manila_repl import metrics
from manila_repl import notifications
from manila_repl import rpc
from manila_repl import version

DEFAULT_CONFIG_FILES = ['/etc/manila-repl/manila-repl.conf']


def prepare(argv, prog, cli_opts=(), default_config_files=None,
            transport_url=None):
    """Parse the command line and config files, and set up logging."""
    parse(argv, prog, cli_opts, default_config_files, transport_url)
    setup_logging(prog)


def parse(argv, prog, cli_opts=(), default_config_files=None,
          transport_url=None):
    """Parse the command line and config files (logging not set up yet:
    a command may still refuse to start with one line on stderr)."""
    logging.register_options(CONF)
    # Logs go to stderr: stdout is for what a command answers.
    CONF.set_default('use_stderr', True)
    if cli_opts:
        CONF.register_cli_opts(cli_opts)
    rpc.set_defaults(transport_url or 'rabbit://guest:guest@127.0.0.1:5672/')
    notifications.register_opts(CONF)
    if default_config_files is None:
        import os
        default_config_files = [f for f in DEFAULT_CONFIG_FILES
                                if os.path.exists(f)]
    CONF(argv[1:] if argv is not None else sys.argv[1:], project='manila-repl',
         prog=prog, version=version.VERSION,
         default_config_files=default_config_files)
    metrics.setup(CONF)


def setup_logging(prog):
    """Logging per the config, then the start-up line (with the
    concurrency report the functional tests read)."""
    logging.setup(CONF, 'manila-repl')
    from manila_repl import cmd
    logging.getLogger(prog).info('%s %s. %s', prog, version.VERSION,
                                 cmd.concurrency_report())


def serve_metrics(prog):
    """Serve this process's metrics when [metrics]/enabled; a port that
    cannot be bound ends the process with one line saying why.

    :returns: the metrics URL, or None.
    """
    try:
        url = metrics.serve(CONF)
    except OSError as e:
        sys.exit('%s: cannot listen on %s:%d ([metrics]/port): %s.' % (
            prog, CONF.metrics.host, CONF.metrics.port, e.strerror or e))
    return url


def check_auth_strategy(conf, prog):
    """Refuse to start, in one line, an API whose authentication cannot
    load (keystonemiddleware is an optional extra)."""
    if conf.api.auth_strategy != 'keystone':
        return
    try:
        from keystonemiddleware import auth_token  # noqa: F401
    except ImportError:
        sys.exit("%s: [api]/auth_strategy = keystone needs "
                 "keystonemiddleware: pip install 'manila-repl[keystone]'"
                 % prog)


def run_until_signalled(launcher):
    """Stop the launcher's services cleanly on SIGTERM or SIGINT."""
    def _stop(signo, frame):
        launcher.stop()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    launcher.wait()
