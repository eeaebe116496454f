"""Tests run on the backend the daemons use: oslo.service's threading
backend, selected before anything imports oslo.service's services."""
from manila_repl import cmd

cmd.init_backend()
