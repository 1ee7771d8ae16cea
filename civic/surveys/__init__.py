"""Surveys (questionari): a builder for councillors, an accessible answering flow, a participation ledger that
counts each person once without tying an anonymous response to them."""
