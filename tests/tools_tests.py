"""Host tests of the tools in tools/ that boot nothing: tools/p2m-view's unit tests
(tests/p2m_view_test.py), one entry each."""
import io
import unittest

from mica_test import HostTest
import p2m_view_test


def unit(case):
    """A HostTest that runs one unittest case: (problems, its output)."""
    def run():
        out = io.StringIO()
        result = unittest.TextTestRunner(stream=out, verbosity=2).run(case)
        return ([] if result.wasSuccessful() else ["the unit test failed (see the log)"],
                out.getvalue())
    return run


def tests():
    return [HostTest("p2m-view/" + name, unit(case)) for name, case in p2m_view_test.cases()]
