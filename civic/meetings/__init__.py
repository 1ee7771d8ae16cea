"""Public meetings (incontri pubblici): agenda, capacity, RSVP with waiting list, tickets, check-in,
calendars."""
