"""The demo data set: a realistic, seeded after-sales history with planted causes to find."""
