"""Motions (mozioni): texts filed in a body's council, their vote, follow-up milestones and citizens'
support."""
