"""Seeded demo data with planted truth: the `load_demo` journeys and the benchmark workload W1."""
