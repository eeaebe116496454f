"""``application`` for gunicorn or uwsgi:

    gunicorn --threads 16 manila_repl.api.wsgi:application

Configuration files: MANILA_REPL_CONFIG_FILES (comma separated) or
MANILA_REPL_CONFIG_FILE, else /etc/manila-repl/manila-repl.conf when it
exists.
"""
import os

from oslo_log import log as logging

from manila_repl.conf import CONF

DEFAULT_CONFIG_FILE = '/etc/manila-repl/manila-repl.conf'


def _config_files():
    files = os.environ.get('MANILA_REPL_CONFIG_FILES')
    if files:
        return [f.strip() for f in files.split(',') if f.strip()]
    single = os.environ.get('MANILA_REPL_CONFIG_FILE')
    if single:
        return [single]
    if os.path.exists(DEFAULT_CONFIG_FILE):
        return [DEFAULT_CONFIG_FILE]
    return []


def init_application():
    try:
        from manila_repl.cmd import init_backend
    except ImportError:
        init_backend = None
    if init_backend is not None:
        init_backend()
        from manila_repl.cmd import keep_templating_out
        keep_templating_out()
    try:
        from manila_repl.cmd import common
    except ImportError:
        common = None
    if common is not None:
        # Parses no command line: gunicorn's and uwsgi's are not ours.
        common.prepare(['manila-repl-api'], 'manila-repl-api',
                       default_config_files=_config_files())
    else:
        logging.register_options(CONF)
        CONF([], project='manila-repl',
             default_config_files=_config_files())
        logging.setup(CONF, 'manila-repl-api')
    from manila_repl.api import app
    return app.setup_app(CONF)


application = init_application()
