"""Product Service: sustainable catalog, variants, certifications, score, reviews, media, search."""
