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


def _requirement_closure(names):
    """The distributions ``names`` install, with their dependencies."""
    import importlib.metadata as md
    import re
    seen, todo = set(), [n.lower().replace('_', '-') for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = md.requires(name) or []
        except md.PackageNotFoundError:
            continue
        for req in requires:
            if 'extra ==' in req:
                continue
            todo.append(re.split(r'[\s<>=!~;\[(]', req, 1)[0].lower()
                        .replace('_', '-'))
    return seen


def test_the_cli_imports_only_what_a_plain_install_brings():
    """``pip install .`` must give a working CLI: every module the client
    imports, also inside functions (keystoneauth1 for OS_* auth), comes
    from install_requires or what they depend on."""
    import ast
    import importlib.metadata as md
    import re
    import sys
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / 'setup.cfg')
    required = [re.split(r'[\s<>=!~\[]', r, 1)[0]
                for r in cfg['options']['install_requires'].split()]
    closure = _requirement_closure(required)
    providers = md.packages_distributions()
    missing = set()
    for path in (ROOT / 'manila_repl' / 'client').rglob('*.py'):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split('.')[0]
                if top == 'manila_repl' or top in sys.stdlib_module_names:
                    continue
                dists = {d.lower().replace('_', '-')
                         for d in providers.get(top, [top])}
                if not dists & closure:
                    missing.add((path.name, top))
    assert not missing
