"""setup.cfg lists its packages one by one: a new package left out of the
list would be missing from the wheel (and from tox's install)."""
import configparser
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_every_package_is_listed_in_setup_cfg():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / 'setup.cfg')
    listed = set(cfg['options']['packages'].split())
    found = {'.'.join(p.parent.relative_to(ROOT).parts)
             for p in (ROOT / 'manila_repl').rglob('__init__.py')}
    assert found == listed
