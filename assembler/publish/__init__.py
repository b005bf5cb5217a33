"""Stage 6: what is published beside a pack: each item's own PDF, and the manifest."""
