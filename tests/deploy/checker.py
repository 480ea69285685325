"""The deploy checkers' tally (check_rendered.py, check_alerts.py): each check passes or adds
a failure; report() prints the failures and a summary line and gives the exit status."""


class Checker:
    def __init__(self, name):
        self.name = name
        self.failures = []
        self.passed = 0

    def check(self, condition, message):
        if condition:
            self.passed += 1
        else:
            self.failures.append(message)
        return bool(condition)

    def report(self, summary=""):
        """Prints "FAIL <name>: <failure>" lines, then "<name>: [summary, ]N checks passed, M
        failed"; returns the exit status, 1 if any check failed."""
        for failure in self.failures:
            print(f"FAIL {self.name}: {failure}")
        print(f"{self.name}: {summary + ', ' if summary else ''}{self.passed} checks passed, "
              f"{len(self.failures)} failed")
        return 1 if self.failures else 0
