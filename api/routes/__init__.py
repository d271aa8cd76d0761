"""One module per resource; each exposes ``router`` (an ``APIRouter`` with its prefix and tags)."""
