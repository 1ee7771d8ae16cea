"""Follow and notifications: people follow consultations, motions and meetings and are told what changes."""
