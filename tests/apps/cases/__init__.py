"""One :class:`tests.app_testing.AppCase` per app: how the shared harness drives it."""
