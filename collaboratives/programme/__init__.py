"""The programme: collaboratives, phases, enrollments, who sees what; the bottom layer."""
