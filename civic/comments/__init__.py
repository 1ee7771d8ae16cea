"""Comments on motions and consultations: plain text, one level of replies, reports and moderation."""
