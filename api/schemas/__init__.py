"""Request and response models of the API (separate models for what comes in and goes out)."""
