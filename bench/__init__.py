"""`make bench`: the portal at district scale and beyond, each measurement against a naive baseline.

Run with `python -m bench.run` (see README, "Performance / 性能"). Generated stores and rasters are
cached under bench/.work/ (git-ignored); results go to bench/results.json.
"""
