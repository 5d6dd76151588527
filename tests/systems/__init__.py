"""Reference open quantum systems with closed-form answers, used to validate the numerics."""
