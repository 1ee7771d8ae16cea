"""Consultations (percorsi partecipativi): public processes that gather motions, meetings, surveys, calls."""
