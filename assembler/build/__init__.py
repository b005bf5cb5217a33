"""The build: the stages above run in order, for every pack of a meeting."""
