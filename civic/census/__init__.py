"""Census verification (anagrafe): each body's list of residents, kept only as keyed hashes, the verified
residents it makes, and the one rule of who may take part in an activity (civic.census.eligibility), which
the features below it in civic/features.py use."""
