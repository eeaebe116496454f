"""tests/tempest/run.py's reading of tempest's output and its verdict
(what makes `tox -e tempest` and CI fail)."""
from tests.tempest import run

OUTPUT = '''
======
Totals
======
Ran: 77 tests in 186.7 sec.
 - Passed: 61
 - Skipped: 16
 - Expected Fail: 0
 - Unexpected Success: 0
 - Failed: 0
'''


def test_totals():
    assert run.totals(OUTPUT) == {'passed': 61, 'skipped': 16, 'failed': 0}
    assert run.totals('no summary') == {'passed': 0, 'skipped': 0,
                                        'failed': 0}


def test_verdict():
    counts = run.totals(OUTPUT)
    assert run.verdict(0, counts, 61) == 0
    assert run.verdict(0, counts, 62) == 1
    assert run.verdict(0, dict(counts, failed=1), 0) == 1
    assert run.verdict(1, counts, 0) == 1
    assert run.verdict(2, counts, 61) == 2
