"""Which config files the API reads under gunicorn or uwsgi:
MANILA_REPL_CONFIG_FILES (comma separated) or MANILA_REPL_CONFIG_FILE,
else /etc/manila-repl/manila-repl.conf when it exists."""
import os

DEFAULT_CONFIG_FILE = '/etc/manila-repl/manila-repl.conf'


def config_files():
    files = os.environ.get('MANILA_REPL_CONFIG_FILES')
    if files:
        return [f.strip() for f in files.split(',') if f.strip()]
    single = os.environ.get('MANILA_REPL_CONFIG_FILE')
    if single:
        return [single]
    if os.path.exists(DEFAULT_CONFIG_FILE):
        return [DEFAULT_CONFIG_FILE]
    return []
