"""Hand-tuned procedure specs (QT13, QT74 and the ones with public-source details)."""
