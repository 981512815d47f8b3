"""Convenings and the calendar: scheduling, RSVPs, reminders and notices, iCalendar feeds."""
