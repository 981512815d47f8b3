"""Change packages: compiled from the evidence, published in versions, as a page and a PDF."""
