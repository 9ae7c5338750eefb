"""The leaderboard's bootstrap size and seed: one number everywhere (the CLI's help and default,
the Leaderboard tab, the README). Its own module so the command-line parser can show it without
importing the fit; :mod:`.ranking` re-exports both."""

# Every resample is an exact refit (benchmarks/bench_leaderboard.py: 10,000 models and 100,000
# votes). 100 is LMArena's choice too; 95% percentile intervals from 100 resamples move by a few
# points between seeds, less than the intervals' own width.
DEFAULT_RESAMPLES = 100
DEFAULT_SEED = 20261128
