//! Parameter I/O.
