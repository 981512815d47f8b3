"""The improvement work: action periods, aims, the driver diagram, PDSA cycles, coaching."""
