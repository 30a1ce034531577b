# Tests: unit suites (Check), DB-driven tests, traffic tests.
