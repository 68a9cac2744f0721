"""PAdES signing and validation. Bytes and settings in, bytes and a report out."""
