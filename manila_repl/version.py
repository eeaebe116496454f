from importlib import metadata

try:
    VERSION = metadata.version('manila-repl')
except metadata.PackageNotFoundError:  # running from a bare checkout
    VERSION = '0.0.0'
