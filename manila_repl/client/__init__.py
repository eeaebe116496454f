"""The manila-repl command line client.

It talks to the service over HTTP only and imports nothing from the server
packages (manila_repl.api, .share, .db, ...).
"""
