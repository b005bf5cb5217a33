"""Stage 4: which items go into which pack, and where every page of each pack goes."""
