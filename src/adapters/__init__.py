"""insider-dispatch's adapters: the ports of the core over memory, SQLite, MySQL, Redis and HTTP."""

# Other projects publish a top-level `adapters` too; the `insider` command reads this marker to
# know the one it imports is this project's (entrypoints/launch.py).
DISTRIBUTION = "insider-dispatch"
