"""Stage 1: a meeting's sources read and checked: meeting.yaml, front matter, partners' files."""
