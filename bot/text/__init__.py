"""Text processing for Vietnamese news: cleaning, folding, dates, summaries."""
